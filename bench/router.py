"""Appeals router benchmark: macro-F1 and speed against a char n-gram TF-IDF + linear SVM baseline.

Usage: .venv/bin/python bench/router.py [--folds 5] [--n 10000] [--markdown docs/bench/router.md]

1. Stratified k-fold cross-validation on ../shared/data/appeals/train.csv; the baseline and
   the router see exactly the same folds. Per fold: macro-F1, accuracy, training seconds,
   prediction throughput; the router also reports top-3 accuracy and calibration error.
2. Held-out check through the CLI contract: ``qinqing appeals train-router`` on 80%,
   ``qinqing appeals route`` on the other 20%, scored by ../shared/tools/score_router.py.
   The split lives in a temporary directory, never in the repository.
3. Training time on ``--n`` messages (timing only; how the set is built is printed).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
# bench/ holds calendar.py, which would shadow the standard library's calendar module when
# pandas (through scikit-learn) imports it; run with the repository root on the path instead.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
SHARED = REPO.parent / "shared"
TRAIN = SHARED / "data" / "appeals" / "train.csv"
REPLIES = SHARED / "data" / "appeals" / "replies.csv"
SCORER = SHARED / "tools" / "score_router.py"
HELD_OUT_SEED = 42  # the split used once, after model selection on the other 80%


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class Baseline:
    """The issue's baseline: character n-gram TF-IDF and a linear SVM, default settings."""

    def fit(self, texts, labels):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self.svm = LinearSVC().fit(self.vectorizer.fit_transform(texts), labels)
        return self

    def predict(self, texts):
        return self.svm.predict(self.vectorizer.transform(texts))


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return total


def cross_validate(texts, labels, folds: int) -> dict:
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    from qinqing.appeals.routing import train_router

    texts, labels = np.array(texts, dtype=object), np.array(labels)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    results = {"baseline": [], "router": []}
    for number, (fit_rows, test_rows) in enumerate(splitter.split(texts, labels), 1):
        fit_texts, test_texts = list(texts[fit_rows]), list(texts[test_rows])
        truth = labels[test_rows]

        started = time.perf_counter()
        baseline = Baseline().fit(fit_texts, labels[fit_rows])
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        predicted = baseline.predict(test_texts)
        rate = len(test_texts) / (time.perf_counter() - started)
        results["baseline"].append(
            {
                "macro_f1": f1_score(truth, predicted, average="macro"),
                "accuracy": accuracy_score(truth, predicted),
                "fit_seconds": fit_seconds,
                "per_second": rate,
            }
        )

        started = time.perf_counter()
        router = train_router(fit_texts, list(labels[fit_rows]))
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        probabilities = router.predict_proba(test_texts)
        rate = len(test_texts) / (time.perf_counter() - started)
        names = np.array(router.labels)
        order = np.argsort(-probabilities, axis=1)
        predicted = names[order[:, 0]]
        correct = predicted == truth
        results["router"].append(
            {
                "macro_f1": f1_score(truth, predicted, average="macro"),
                "accuracy": accuracy_score(truth, predicted),
                "fit_seconds": fit_seconds,
                "per_second": rate,
                "top3": float(
                    np.mean([t in names[o[:3]] for t, o in zip(truth, order, strict=True)])
                ),
                "ece": calibration_error(probabilities.max(axis=1), correct),
            }
        )
        b, r = results["baseline"][-1], results["router"][-1]
        print(
            f"fold {number}: baseline F1 {b['macro_f1']:.4f} ({b['fit_seconds']:.1f} s) | "
            f"router F1 {r['macro_f1']:.4f} ({r['fit_seconds']:.1f} s)",
            flush=True,
        )
    return results


def run_cli(*args: str, stdout=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "qinqing.cli.main", "appeals", *args]
    return subprocess.run(
        command, cwd=REPO, check=True, stdout=stdout or subprocess.PIPE, text=True
    )


def held_out_check(rows: list[dict]) -> dict:
    from sklearn.model_selection import train_test_split

    labels = [row["label"] for row in rows]
    fit_rows, test_rows = train_test_split(
        rows, test_size=0.2, stratify=labels, random_state=HELD_OUT_SEED
    )
    with tempfile.TemporaryDirectory(prefix="router-bench-") as tmp:
        tmp = Path(tmp)

        def write(path, data, columns):
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, columns, extrasaction="ignore")
                writer.writeheader()
                writer.writerows(data)

        write(tmp / "train.csv", fit_rows, ["id", "title", "body", "label"])
        write(tmp / "gold.csv", test_rows, ["id", "title", "body", "label"])
        write(tmp / "test.csv", test_rows, ["id", "title", "body"])
        started = time.perf_counter()
        run_cli("train-router", str(tmp / "train.csv"), "--out", str(tmp / "model.npz"))
        train_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with (tmp / "pred.csv").open("w", encoding="utf-8") as handle:
            run_cli(
                "route", str(tmp / "test.csv"), "--model", str(tmp / "model.npz"), stdout=handle
            )
        route_seconds = time.perf_counter() - started

        def text(row):
            return f"{row['title']} {row['body']}"

        baseline = Baseline().fit([text(r) for r in fit_rows], [r["label"] for r in fit_rows])
        with (tmp / "baseline.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "label", "confidence"])
            predicted = baseline.predict([text(r) for r in test_rows])
            writer.writerows([r["id"], p, 1] for r, p in zip(test_rows, predicted, strict=True))

        def score(pred: str) -> str:
            result = subprocess.run(
                [sys.executable, str(SCORER), str(tmp / "gold.csv"), str(tmp / pred)],
                capture_output=True,
                text=True,
            )
            return result.stdout.strip().splitlines()[-1] + f" [exit {result.returncode}]"

        return {
            "fit": len(fit_rows),
            "test": len(test_rows),
            "router": score("pred.csv"),
            "baseline": score("baseline.csv"),
            "train_seconds": train_seconds,
            "route_seconds": route_seconds,
            "model_bytes": (tmp / "model.npz").stat().st_size,
        }


def scale_set(rows: list[dict], n: int) -> tuple[list[str], list[str], str]:
    """``n`` distinct messages for timing: train.csv, replies.csv, then sentence-shuffled copies.

    replies.csv has no labels; its messages get the baseline's predictions (a realistic
    label structure for the solver), and copies keep their source's label.
    """
    import random

    texts = [f"{r['title']} {r['body']}" for r in rows]
    labels = [r["label"] for r in rows]
    replies = read_csv(REPLIES)
    reply_texts = [f"{r['title']} {r['body']}" for r in replies]
    labels += list(Baseline().fit(texts, labels).predict(reply_texts))
    texts += reply_texts
    rng = random.Random(0)
    base = len(texts)
    while len(texts) < n:
        i = rng.randrange(base)
        parts = texts[i].split("。")
        rng.shuffle(parts)
        texts.append("。".join(parts))
        labels.append(labels[i])
    how = (
        f"{len(rows)} train.csv messages + {len(replies)} replies.csv messages labelled by the "
        f"baseline + {max(0, n - base)} sentence-shuffled copies"
    )
    return texts[:n], labels[:n], how


def timing_at_scale(rows: list[dict], n: int) -> dict:
    from qinqing.appeals.routing import train_router

    texts, labels, how = scale_set(rows, n)
    started = time.perf_counter()
    Baseline().fit(texts, labels)
    baseline_seconds = time.perf_counter() - started
    started = time.perf_counter()
    router = train_router(texts, labels)
    router_seconds = time.perf_counter() - started
    started = time.perf_counter()
    router.predict_proba(texts[:2000])
    rate = 2000 / (time.perf_counter() - started)
    return {
        "n": n,
        "how": how,
        "baseline": baseline_seconds,
        "router": router_seconds,
        "per_second": rate,
    }


def _per_fold(results) -> str:
    return ", ".join(f"{x['macro_f1']:.4f}" for x in results)


def mean(results, key):
    return float(np.mean([r[key] for r in results]))


def std(results, key):
    return float(np.std([r[key] for r in results]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--n", type=int, default=10000, help="messages for the training-time check")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-held-out", action="store_true")
    parser.add_argument("--skip-cv", action="store_true", help="only the other checks")
    parser.add_argument("--markdown", type=Path, help="write the results section to this file")
    args = parser.parse_args()
    assert TRAIN.is_file(), f"{TRAIN} is missing: ../shared must sit next to the repository"

    from qinqing.appeals.routing.text import word_tokens

    word_tokens("预热分词词典")  # load jieba's dictionary outside the timed sections
    load_before = os.getloadavg()
    rows = read_csv(TRAIN)
    texts = [f"{r['title']} {r['body']}" for r in rows]
    labels = [r["label"] for r in rows]
    print(f"{len(rows)} messages, {len(set(labels))} labels, {args.folds}-fold stratified CV")
    held = None if args.skip_held_out else held_out_check(rows)
    scale = None if args.skip_scale else timing_at_scale(rows, args.n)
    if args.skip_cv:
        print(held, scale)
        return 0
    cv = cross_validate(texts, labels, args.folds)
    b, r = cv["baseline"], cv["router"]
    load_after = os.getloadavg()

    lines = [
        "## Appeals router (`bench/router.py`)",
        "",
        f"- Date: {date.today().isoformat()}; machine: {os.cpu_count()} cores, "
        f"{_memory()}; Python {platform.python_version()}; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
        "(the machine is shared by several engineers; timings are noisy).",
        f"- Command: `.venv/bin/python bench/router.py --folds {args.folds} --n {args.n}`",
        f"- Data: `../shared/data/appeals/train.csv`, {len(rows)} real messages, 7 labels; "
        f"{args.folds}-fold stratified CV (seed 0), the same folds for both models.",
        "- Baseline: character 1-3-gram TF-IDF (sublinear tf) + `LinearSVC()` with default settings.",
        "- Router: `qinqing.appeals.routing.train_router` as shipped (NB-SVM over char 1-2-grams, "
        "jieba words and a 30-character prefix; temperature-calibrated confidences).",
        "",
        "| model | macro-F1 | accuracy | training s / fold | messages/s predicted |",
        "|---|---|---|---|---|",
        f"| baseline | {mean(b, 'macro_f1'):.4f} ± {std(b, 'macro_f1'):.4f} | "
        f"{mean(b, 'accuracy'):.4f} | {mean(b, 'fit_seconds'):.1f} | {mean(b, 'per_second'):.0f} |",
        f"| router | {mean(r, 'macro_f1'):.4f} ± {std(r, 'macro_f1'):.4f} | "
        f"{mean(r, 'accuracy'):.4f} | {mean(r, 'fit_seconds'):.1f} | {mean(r, 'per_second'):.0f} |",
        "",
        f"- Ratio router/baseline: macro-F1 {mean(r, 'macro_f1') / mean(b, 'macro_f1'):.3f}, "
        f"training time {mean(r, 'fit_seconds') / mean(b, 'fit_seconds'):.2f}, "
        f"prediction throughput {mean(r, 'per_second') / mean(b, 'per_second'):.2f}.",
        f"- Router per fold macro-F1: {_per_fold(r)}; baseline: {_per_fold(b)}; "
        f"router better on {sum(x['macro_f1'] > y['macro_f1'] for x, y in zip(r, b, strict=True))}"
        f" of {len(r)} folds.",
        f"- Router top-3 accuracy {mean(r, 'top3'):.4f}; expected calibration error of the "
        f"top-1 confidence {mean(r, 'ece'):.3f} (10 bins).",
        "- Router training time includes the 3-fold out-of-fold calibration (about half of it).",
    ]
    if held:
        lines += [
            "",
            f"Held-out check through the CLI (seed {HELD_OUT_SEED}: train-router on {held['fit']}, "
            f"route {held['test']}, scored by `../shared/tools/score_router.py`; split written to a "
            "temporary directory):",
            "",
            f"- router: `{held['router']}`",
            f"- baseline (same split, same scorer): `{held['baseline']}`",
            f"- CLI wall time: train-router {held['train_seconds']:.1f} s, route "
            f"{held['route_seconds']:.1f} s (process start, model load and jieba included); "
            f"model file {held['model_bytes'] / 1e6:.1f} MB.",
        ]
    if scale:
        lines += [
            "",
            f"Training time on {scale['n']:,} messages ({scale['how']}; timing only, not accuracy): "
            f"router {scale['router']:.1f} s (limit 120 s), baseline {scale['baseline']:.1f} s, "
            f"ratio {scale['router'] / scale['baseline']:.2f}; router prediction "
            f"{scale['per_second']:.0f} messages/s.",
        ]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
        print(f"written to {args.markdown}")
    return 0


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            kib = int(handle.readline().split()[1])
        return f"{kib / 1024**2:.0f} GiB RAM"
    except OSError:
        return "memory unknown"


if __name__ == "__main__":
    sys.exit(main())
