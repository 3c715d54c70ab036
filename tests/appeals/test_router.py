"""Appeals router: the CLI contract, accuracy on held-out real messages, bad inputs, units."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from qinqing.appeals.routing import (
    LabelScore,
    load_router,
    message_text,
    save_router,
    suggest_units,
    train_from_records,
    train_router,
    unit_mapping_problems,
    units_from_label_scores,
)
from qinqing.cli.main import main
from qinqing.core.errors import InvalidInput

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TRAIN_CSV = SHARED / "data" / "appeals" / "train.csv"
# Measured macro-F1 on this split is 0.907 (docs/bench/router.md); the floor leaves a margin
# for library-version noise, not for regressions.
HELD_OUT_FLOOR = 0.89

# Product demo messages (written for the product, not taken from real data).
DEMO_RECORDS = [
    ("新办企业 想问一下营业执照办理需要哪些材料", "市场监管"),
    ("食品经营许可证 延续换证需要到哪个窗口办理", "市场监管"),
    ("举报 一家超市销售过期食品，请市场监管部门查处", "市场监管"),
    ("营业执照 经营范围变更 网上能不能办", "市场监管"),
    ("增值税专用发票 新办企业首次申领发票的流程", "税务"),
    ("出口退税 申报后一直没有到账，请税务局帮忙查询", "税务"),
    ("个体工商户 定额税 季度申报怎么操作", "税务"),
    ("研发费用加计扣除 政策享受需要备案吗", "税务"),
    ("社会保险 企业职工养老保险断缴后如何补缴", "人社"),
    ("工资拖欠 工地老板拖欠农民工工资三个月", "人社"),
    ("稳岗补贴 企业申请稳岗返还的条件是什么", "人社"),
    ("劳动合同 试用期被辞退 能否要求经济补偿", "人社"),
]


def read_rows(path: Path) -> list[dict]:
    assert path.is_file(), f"{path} is missing: ../shared must sit next to the repository"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict], columns: list[str], encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["appeals", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def parse_output(out: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(out)))


def macro_f1(truth: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import f1_score

    return f1_score(truth, predicted, average="macro")


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> dict:
    """The seed-42 80/20 split of the shared training set, and a model trained through the CLI."""
    from sklearn.model_selection import train_test_split

    rows = read_rows(TRAIN_CSV)
    fit_rows, test_rows = train_test_split(
        rows, test_size=0.2, stratify=[r["label"] for r in rows], random_state=42
    )
    folder = tmp_path_factory.mktemp("router")
    train = write_rows(folder / "train.csv", fit_rows, ["id", "title", "body", "label"])
    # Test input carries an extra column and a different column order: both must be accepted.
    test = write_rows(folder / "test.csv", test_rows, ["body", "id", "label", "title"])
    model = folder / "model.npz"
    code = main(["appeals", "train-router", str(train), "--out", str(model)])
    assert code == 0
    return {"fit": fit_rows, "test": test_rows, "train": train, "test_csv": test, "model": model}


@pytest.fixture(scope="module")
def router(split):
    return load_router(split["model"])


def test_route_prints_a_header_and_one_row_per_message_in_input_order(split, capsys):
    code, out, _ = run(capsys, "route", split["test_csv"], "--model", split["model"])
    assert code == 0
    lines = parse_output(out)
    assert lines[0] == ["id", "label", "confidence"]
    assert [line[0] for line in lines[1:]] == [row["id"] for row in split["test"]]
    labels = {row["label"] for row in split["fit"]}
    for _, label, confidence in lines[1:]:
        assert label in labels
        assert 0.0 <= float(confidence) <= 1.0


def test_held_out_macro_f1_reaches_the_floor_and_beats_the_baseline(split, capsys):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    _, out, _ = run(capsys, "route", split["test_csv"], "--model", split["model"])
    predicted = {line[0]: line[1] for line in parse_output(out)[1:]}
    truth = [row["label"] for row in split["test"]]
    router_f1 = macro_f1(truth, [predicted[row["id"]] for row in split["test"]])

    def text(row):
        return message_text(row["title"], row["body"])

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    svm = LinearSVC().fit(
        vectorizer.fit_transform([text(r) for r in split["fit"]]),
        [r["label"] for r in split["fit"]],
    )
    baseline = svm.predict(vectorizer.transform([text(r) for r in split["test"]]))
    baseline_f1 = macro_f1(truth, list(baseline))
    assert router_f1 >= HELD_OUT_FLOOR, (router_f1, baseline_f1)
    assert router_f1 > baseline_f1, (router_f1, baseline_f1)


def test_top_three_labels_are_distinct_ordered_and_probabilities_sum_to_one(router):
    ranked = router.top_labels("小区门口道路施工围挡占用人行道，晚上噪音扰民", k=3)
    assert len(ranked) == 3
    assert len({score.label for score in ranked}) == 3
    confidences = [score.confidence for score in ranked]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    probabilities = router.predict_proba(["幼儿园收费太高", "医保报销比例"])
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_confident_answers_are_right_more_often_than_unsure_ones(split, router):
    rows = split["test"]
    ranked = router.route([message_text(r["title"], r["body"]) for r in rows], k=1)
    confidence = np.array([r[0].confidence for r in ranked])
    correct = np.array([r[0].label == row["label"] for r, row in zip(ranked, rows, strict=True)])
    sure = confidence >= 0.9
    assert sure.sum() > len(rows) / 2
    assert correct[sure].mean() > correct[~sure].mean()
    # Calibrated: mean confidence close to the share of correct answers.
    assert abs(confidence.mean() - correct.mean()) < 0.05


def test_top_option_prints_further_candidates(split, capsys, tmp_path):
    small = write_rows(tmp_path / "small.csv", split["test"][:5], ["id", "title", "body"])
    code, out, _ = run(capsys, "route", small, "--model", split["model"], "--top", "3")
    assert code == 0
    lines = parse_output(out)
    assert lines[0] == [
        "id",
        "label",
        "confidence",
        "label_2",
        "confidence_2",
        "label_3",
        "confidence_3",
    ]
    for line in lines[1:]:
        assert len(set(line[1::2][:3])) == 3
        assert float(line[2]) >= float(line[4]) >= float(line[6])


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_route_reads_gbk_and_utf8_bom_files_like_plain_utf8(split, capsys, tmp_path, encoding):
    rows = [
        {"id": "d1", "title": "营业执照", "body": "新办企业营业执照办理要多久"},
        {"id": "d2", "title": "", "body": "学校食堂卫生差，孩子吃了拉肚子"},
        {"id": "d3", "title": "公交线路", "body": "希望增开到工业园区的公交车"},
    ]
    plain = write_rows(tmp_path / "plain.csv", rows, ["id", "title", "body"])
    other = write_rows(tmp_path / f"{encoding}.csv", rows, ["id", "title", "body"], encoding)
    assert other.read_bytes() != plain.read_bytes()
    _, expected, _ = run(capsys, "route", plain, "--model", split["model"])
    code, out, err = run(capsys, "route", other, "--model", split["model"])
    assert code == 0, err
    assert out == expected
    assert [line[0] for line in parse_output(out)[1:]] == ["d1", "d2", "d3"]


def test_missing_column_is_refused_in_chinese(split, capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title,content\n1,标题,正文\n", encoding="utf-8")
    code, out, err = run(capsys, "route", bad, "--model", split["model"])
    assert code == 2
    assert out == ""
    assert "错误：" in err and "缺少必需的列：body" in err


def test_training_file_without_labels_is_refused(capsys, tmp_path):
    bad = tmp_path / "train.csv"
    bad.write_text("id,title,body\n1,标题,正文\n", encoding="utf-8")
    code, _, err = run(capsys, "train-router", bad, "--out", tmp_path / "m.npz")
    assert code == 2
    assert "缺少必需的列：label" in err
    assert not (tmp_path / "m.npz").exists()


def test_blank_label_names_its_line(capsys, tmp_path):
    bad = tmp_path / "train.csv"
    bad.write_text("id,title,body,label\n1,a,b,税务\n2,c,d,\n", encoding="utf-8")
    code, _, err = run(capsys, "train-router", bad, "--out", tmp_path / "m.npz")
    assert code == 2
    assert "第 3 行" in err and "label" in err


def test_empty_file_and_missing_model_are_refused(split, capsys, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, _, err = run(capsys, "route", empty, "--model", split["model"])
    assert code == 2 and "是空的" in err
    good = write_rows(tmp_path / "ok.csv", split["test"][:2], ["id", "title", "body"])
    code, _, err = run(capsys, "route", good, "--model", tmp_path / "nope.npz")
    assert code == 2 and "找不到模型文件" in err
    code, _, err = run(capsys, "route", good, "--model", good)
    assert code == 2 and "不是可用的诉求分类模型文件" in err


def test_a_file_with_only_the_header_prints_only_the_header(split, capsys, tmp_path):
    header_only = tmp_path / "none.csv"
    header_only.write_text("id,title,body\n", encoding="utf-8")
    code, out, _ = run(capsys, "route", header_only, "--model", split["model"])
    assert code == 0
    assert parse_output(out) == [["id", "label", "confidence"]]
    no_training = tmp_path / "train.csv"
    no_training.write_text("id,title,body,label\n", encoding="utf-8")
    code, _, err = run(capsys, "train-router", no_training, "--out", tmp_path / "m.npz")
    assert code == 2 and "只有列名，没有留言" in err


def test_model_file_round_trip_keeps_labels_metadata_and_predictions(router, tmp_path):
    assert router.metadata["messages"] == 2220
    assert router.metadata["source"] == "train.csv"
    assert len(router.labels) == 7
    copy = load_router(save_router(router, tmp_path / "copy.npz"))
    texts = ["景区门票价格不合理", "工厂废水直排河道"]
    assert copy.labels == router.labels
    assert copy.metadata == router.metadata
    assert np.allclose(copy.predict_proba(texts), router.predict_proba(texts))


def test_suggest_units_maps_categories_to_the_localitys_units(router):
    mapping = {
        "城乡建设": "市住房和城乡建设局",
        "交通运输": ["市交通运输局", "市公安局交警支队"],
        "环境保护": "市生态环境局",
        "教育文体": "市教育局",
    }
    text = "工业园区一家化工厂夜间偷排废气，附近居民晚上闻到刺鼻气味"
    units = suggest_units(text, router, mapping, k=3)
    assert units[0].unit == "市生态环境局"
    assert units[0].labels == ("环境保护",)
    assert [u.confidence for u in units] == sorted((u.confidence for u in units), reverse=True)
    assert all(0.0 <= u.confidence <= 1.0 for u in units)
    # A unit serving two categories collects both; unmapped categories never appear.
    both = suggest_units(text, router, {"环境保护": "市政府", "城乡建设": "市政府"}, k=3)
    assert len(both) == 1
    probabilities = dict(zip(router.labels, router.predict_proba([text])[0], strict=True))
    assert both[0].confidence == pytest.approx(
        probabilities["环境保护"] + probabilities["城乡建设"]
    )


def test_units_from_label_scores_respects_k_and_skips_unmapped_labels():
    scores = [LabelScore("甲", 0.5), LabelScore("乙", 0.3), LabelScore("丙", 0.2)]
    mapping = {"甲": ["一号单位", "二号单位"], "丙": "三号单位"}
    units = units_from_label_scores(scores, mapping, k=2)
    assert [(u.unit, u.confidence) for u in units] == [("一号单位", 0.5), ("二号单位", 0.5)]
    assert unit_mapping_problems(mapping, ["甲", "乙", "丙"]) == [
        "类别“乙”没有对应的承办单位，这类诉求将无法给出派单建议。"
    ]


def test_retraining_from_a_localitys_closed_appeals():
    router = train_from_records(DEMO_RECORDS, metadata={"locality": "示例市"})
    assert router.labels == ("人社", "市场监管", "税务")
    assert router.metadata["locality"] == "示例市"
    assert router.predict(
        ["公司申领增值税专用发票", "老板拖欠工资不发", "营业执照经营范围怎么变更"]
    ) == [
        "税务",
        "人社",
        "市场监管",
    ]


def test_too_few_appeals_per_category_use_the_default_confidence_scale():
    router = train_from_records(DEMO_RECORDS[::2])  # two appeals per category
    assert router.metadata["calibration"] == "default"
    ranked = router.top_labels("增值税发票申领", k=3)
    assert ranked[0].label == "税务"
    assert 1 / 3 < ranked[0].confidence <= 1.0


def test_training_needs_two_categories():
    with pytest.raises(InvalidInput, match="至少需要两个不同类别"):
        train_router(["甲", "乙"], ["税务", "税务"])
    with pytest.raises(InvalidInput, match="没有可用于训练"):
        train_from_records([])
    with pytest.raises(InvalidInput, match="全部为空"):
        train_from_records([(" ", "税务"), ("", "人社")])
