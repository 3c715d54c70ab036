"""诉求分类 (appeal routing model): which domain an enterprise's message belongs to.

The model is a linear NB-SVM (Wang & Manning 2012) over three TF-IDF blocks of the
message ``title + " " + body``:

* character 1-2-grams of the whole normalised text,
* jieba words (weight 0.7),
* character 1-2-grams of the first 30 characters, a stand-in for the title because many
  messages run title and body together (weight 0.5).

Each label gets a one-vs-rest linear SVM (balanced class weights) trained on features
scaled by that label's naive-Bayes log-count ratio; the ratio is folded into the weights,
so predicting is one sparse matrix product. Confidences are a softmax of the seven
scores with a temperature fitted on out-of-fold scores (temperature scaling), so that a
confidence of 0.8 is right about 80% of the time. docs/dev/router.md has the measurements
behind each choice.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from qinqing.appeals.routing.text import joined_words, normalize_text, split_words
from qinqing.core.errors import InvalidInput

# Used when there are too few messages per label to fit a temperature out of fold; the
# value is what the fit gives on the shared training set (docs/bench/router.md).
DEFAULT_TEMPERATURE = 0.24
CALIBRATION_FOLDS = 3
# Out-of-fold calibration fits three extra models; past this many messages it runs on a
# stratified sample, which keeps training on 10,000 messages well under two minutes.
CALIBRATION_SAMPLE = 3000


@dataclass(frozen=True)
class RouterParams:
    """Feature and classifier settings; chosen by cross-validation, see docs/dev/router.md."""

    char_ngrams: tuple[int, int] = (1, 2)
    word_weight: float = 0.7
    prefix_chars: int = 30
    prefix_weight: float = 0.5
    svm_c: float = 2.0
    svm_tol: float = 1e-3
    # min_df=2 drops one-off n-grams; tiny training sets keep everything.
    min_df_from_messages: int = 50

    @classmethod
    def from_dict(cls, data: dict) -> RouterParams:
        values = dict(data)
        values["char_ngrams"] = tuple(values["char_ngrams"])
        return cls(**values)


@dataclass(frozen=True)
class LabelScore:
    """One suggested label and its calibrated confidence in [0, 1]."""

    label: str
    confidence: float


@dataclass
class FeatureBlock:
    """One TF-IDF block: ``source`` is ``text``, ``words`` or ``prefix``."""

    source: str
    weight: float
    vectorizer: TfidfVectorizer


def _char_vectorizer(params: RouterParams, min_df: int, vocabulary=None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=params.char_ngrams,
        lowercase=False,
        sublinear_tf=True,
        min_df=min_df,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


def _word_vectorizer(min_df: int, vocabulary=None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=split_words,
        sublinear_tf=True,
        min_df=min_df,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


def make_vectorizer(source: str, params: RouterParams, min_df: int = 1, vocabulary=None):
    """A TF-IDF vectorizer for one block (``vocabulary`` given when loading a model)."""
    if source == "words":
        return _word_vectorizer(min_df, vocabulary)
    return _char_vectorizer(params, min_df, vocabulary)


@dataclass
class PreparedTexts:
    """Normalised texts with their jieba words: tokenised once, reused by every fit."""

    normalized: list[str]
    words: list[str]
    prefix_chars: int

    @classmethod
    def of(cls, texts: Iterable[str], params: RouterParams) -> PreparedTexts:
        normalized = [normalize_text(text) for text in texts]
        return cls(normalized, joined_words(normalized), params.prefix_chars)

    def source(self, name: str, rows=None) -> list[str]:
        if name == "words":
            values = self.words
        elif name == "prefix":
            values = [text[: self.prefix_chars] for text in self.normalized]
        else:
            values = self.normalized
        return values if rows is None else [values[i] for i in rows]

    def __len__(self) -> int:
        return len(self.normalized)


def _block_plan(params: RouterParams) -> list[tuple[str, float]]:
    return [("text", 1.0), ("words", params.word_weight), ("prefix", params.prefix_weight)]


def _fit_blocks(
    prepared: PreparedTexts, rows: Sequence[int], params: RouterParams
) -> tuple[list[FeatureBlock], sparse.csr_matrix]:
    min_df = 2 if len(rows) >= params.min_df_from_messages else 1
    blocks, matrices = [], []
    for source, weight in _block_plan(params):
        vectorizer = make_vectorizer(source, params, min_df=1 if source == "words" else min_df)
        matrix = vectorizer.fit_transform(prepared.source(source, rows))
        vectorizer.stop_words_ = None  # only kept for introspection; can be large
        blocks.append(FeatureBlock(source, weight, vectorizer))
        matrices.append(matrix * np.float32(weight))
    return blocks, sparse.hstack(matrices, format="csr", dtype=np.float32)


def transform_blocks(
    blocks: Sequence[FeatureBlock], prepared: PreparedTexts, rows=None
) -> sparse.csr_matrix:
    """The feature matrix of ``prepared`` texts for already fitted blocks."""
    matrices = [
        block.vectorizer.transform(prepared.source(block.source, rows)) * np.float32(block.weight)
        for block in blocks
    ]
    return sparse.hstack(matrices, format="csr", dtype=np.float32)


def _fit_nbsvm(
    features: sparse.csr_matrix, targets: np.ndarray, n_labels: int, params: RouterParams
) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest NB-SVM; returns weights (n_features × n_labels) and intercepts."""
    present = (features > 0).astype(np.float32).tocsr()
    weights = np.zeros((features.shape[1], n_labels), dtype=np.float32)
    intercepts = np.zeros(n_labels, dtype=np.float64)
    for label in range(n_labels):
        positive = targets == label
        if not positive.any():
            intercepts[label] = -10.0  # a label absent from this fold is never suggested
            continue
        p = 1.0 + np.asarray(present[positive].sum(axis=0)).ravel()
        q = 1.0 + np.asarray(present[~positive].sum(axis=0)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        svm = LinearSVC(
            C=params.svm_c,
            tol=params.svm_tol,
            class_weight="balanced",
            random_state=0,
            max_iter=2000,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm.fit(features.multiply(ratio).tocsr(), positive)
        weights[:, label] = svm.coef_.ravel().astype(np.float32) * ratio
        intercepts[label] = float(svm.intercept_[0])
    return weights, intercepts


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of ``scores / temperature``.

    Examples:
        >>> softmax(np.array([[1.0, 1.0]]), 0.5).round(2).tolist()
        [[0.5, 0.5]]
        >>> float(softmax(np.array([[2.0, 0.0]]), 1.0)[0, 0].round(3))
        0.881
    """
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, targets: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood of the true labels."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(targets))

    def nll(log_t: float) -> float:
        probabilities = softmax(scores, float(np.exp(log_t)))
        return float(-np.log(np.clip(probabilities[rows, targets], 1e-12, None)).mean())

    result = minimize_scalar(nll, bounds=(np.log(0.01), np.log(10.0)), method="bounded")
    return float(np.exp(result.x))


@dataclass
class Router:
    """A trained appeals router; build with :func:`train_router`, store with ``storage``."""

    labels: tuple[str, ...]
    params: RouterParams
    blocks: list[FeatureBlock]
    weights: np.ndarray
    intercepts: np.ndarray
    temperature: float
    metadata: dict = field(default_factory=dict)

    def decision_scores(self, texts: Sequence[str]) -> np.ndarray:
        prepared = PreparedTexts.of(texts, self.params)
        features = transform_blocks(self.blocks, prepared)
        return np.asarray(features @ self.weights, dtype=np.float64) + self.intercepts

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in ``self.labels`` order."""
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)))
        return softmax(self.decision_scores(texts), self.temperature)

    def route(self, texts: Sequence[str], k: int = 3) -> list[list[LabelScore]]:
        """The ``k`` most likely labels of each text, most likely first."""
        probabilities = self.predict_proba(texts)
        k = max(1, min(k, len(self.labels)))
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        return [
            [LabelScore(self.labels[j], float(row[j])) for j in ranked]
            for row, ranked in zip(probabilities, order, strict=True)
        ]

    def top_labels(self, text: str, k: int = 3) -> list[LabelScore]:
        return self.route([text], k)[0]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [ranked[0].label for ranked in self.route(texts, 1)]


def _check_training_data(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise InvalidInput(
            f"训练数据中留言有 {len(texts)} 条，类别有 {len(labels)} 个，两者应一一对应。"
        )
    distinct = set(labels)
    if "" in distinct:
        raise InvalidInput("训练数据中有留言没有类别，请补全类别后再训练。")
    if len(distinct) < 2:
        raise InvalidInput(
            f"训练数据只有 {len(distinct)} 个类别，至少需要两个不同类别的已办结诉求才能训练分类模型。"
        )


def _calibration_rows(targets: np.ndarray) -> np.ndarray:
    if len(targets) <= CALIBRATION_SAMPLE:
        return np.arange(len(targets))
    from sklearn.model_selection import train_test_split

    rows, _ = train_test_split(
        np.arange(len(targets)), train_size=CALIBRATION_SAMPLE, stratify=targets, random_state=0
    )
    return np.sort(rows)


def _out_of_fold_scores(
    prepared: PreparedTexts, targets: np.ndarray, n_labels: int, params: RouterParams
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of each calibration row from a model that did not see it, and their targets."""
    rows = _calibration_rows(targets)
    scores = np.zeros((len(rows), n_labels))
    folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=0)
    for fit_part, held_part in folds.split(rows, targets[rows]):
        fit_rows, held_rows = rows[fit_part], rows[held_part]
        blocks, features = _fit_blocks(prepared, fit_rows, params)
        weights, intercepts = _fit_nbsvm(features, targets[fit_rows], n_labels, params)
        held = transform_blocks(blocks, prepared, held_rows)
        scores[held_part] = np.asarray(held @ weights, dtype=np.float64) + intercepts
    return scores, targets[rows]


def train_router(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    params: RouterParams | None = None,
    calibrate: bool = True,
    metadata: dict | None = None,
) -> Router:
    """Train a router on message texts (``title + " " + body``) and their labels.

    ``calibrate`` fits the confidence temperature on 3-fold out-of-fold scores (of at most
    ``CALIBRATION_SAMPLE`` messages; it about doubles training time); with fewer than 3
    messages in some label the default temperature is used and ``metadata["calibration"]``
    says so.
    """
    params = params or RouterParams()
    texts = list(texts)
    labels = [str(label).strip() for label in labels]
    _check_training_data(texts, labels)
    started = time.perf_counter()
    label_names = tuple(sorted(set(labels)))
    targets = np.searchsorted(np.array(label_names), np.array(labels))
    prepared = PreparedTexts.of(texts, params)
    if not any(prepared.normalized):
        raise InvalidInput("训练数据中的留言标题和内容全部为空，无法训练分类模型。")
    blocks, features = _fit_blocks(prepared, range(len(texts)), params)
    weights, intercepts = _fit_nbsvm(features, targets, len(label_names), params)

    counts = Counter(labels)
    temperature, calibration = DEFAULT_TEMPERATURE, "default"
    if calibrate and min(counts.values()) >= CALIBRATION_FOLDS:
        oof, oof_targets = _out_of_fold_scores(prepared, targets, len(label_names), params)
        temperature = fit_temperature(oof, oof_targets)
        calibration = f"temperature fitted on {len(oof_targets)} out-of-fold scores"

    import sklearn

    info = {
        "messages": len(texts),
        "label_counts": {label: counts[label] for label in label_names},
        "features": int(features.shape[1]),
        "temperature": temperature,
        "calibration": calibration,
        "training_seconds": round(time.perf_counter() - started, 2),
        "sklearn_version": sklearn.__version__,
        "params": asdict(params),
    }
    info.update(metadata or {})
    return Router(label_names, params, blocks, weights, intercepts, temperature, info)


def train_from_records(
    records: Iterable[tuple[str, str]], *, metadata: dict | None = None
) -> Router:
    """Retrain from a locality's own closed appeals: ``records`` yields ``(text, label)``.

    ``text`` is the appeal as the router reads it (``message_text(title, body)``);
    ``label`` is the category the appeal was finally handled under.
    """
    texts, labels = [], []
    for text, label in records:
        texts.append(text or "")
        labels.append(label or "")
    if not texts:
        raise InvalidInput("没有可用于训练的已办结诉求，请先积累带类别的已办结诉求再重新训练。")
    return train_router(texts, labels, metadata=metadata)
