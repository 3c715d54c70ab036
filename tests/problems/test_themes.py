"""每月一题: themes found in synthetic and real messages, stable under reordering; the CLI."""

from __future__ import annotations

import csv
import io
import itertools
import json
import random

import pytest

from qinqing.problems import themes
from qinqing.problems.themes import Message
from tests.problems.real_themes import APART, TOGETHER

PLANTED = {
    "A3": ("幸福里小区", ["幸福里小区地下车库长期积水，业主车辆被泡", "幸福里小区车库又积水了，排水泵坏了没人修",
                          "幸福里小区地下车库积水严重无法停车", "幸福里小区车库渗水积水问题请求处理"]),
    "A5": ("魅力之城小区", ["魅力之城小区临街餐馆油烟直排扰民", "魅力之城小区楼下烧烤店油烟噪音扰民到深夜",
                            "魅力之城小区商铺油烟排放严重影响居民", "魅力之城小区临街门面油烟太大"]),
    "K8": ("丁字街", ["K8县丁字街商户占道摆摊堵塞交通", "丁字街商户又把货摆到路中间，车都过不去",
                      "丁字街占道经营严重，城管不管"]),
}  # fmt: skip
NOISE = [
    "请问灵活就业人员社保怎么缴纳", "孩子上学积分入学政策咨询", "公积金提取需要哪些材料",
    "营业执照变更要跑几趟", "农村危房改造补贴标准", "驾驶证换证体检在哪里", "医保异地备案流程",
    "出租车拒载怎么投诉", "退休金计算方法咨询", "小微企业税收优惠政策咨询", "路灯维修归哪个部门管",
    "公交线路调整建议", "职称评审时间咨询", "不动产登记需要多久",
]  # fmt: skip


def synthetic(seed: int = 0) -> tuple[list[Message], dict[str, set[str]]]:
    rnd = random.Random(seed)
    messages, truth = [], {}
    n = 0
    for region, (_, texts) in PLANTED.items():
        truth[region] = set()
        for text in texts:
            n += 1
            messages.append(
                Message(str(n), f"2025-03-{rnd.randint(1, 28):02d}", text[:14], text, region)
            )
            truth[region].add(str(n))
    for k, text in enumerate(NOISE):
        n += 1
        messages.append(Message(str(n), "2025-03-15", text, f"{text}，谢谢。", f"B{k}"))
    return messages, truth


def _ids(found):
    return sorted(tuple(t.ids) for t in found)


def test_planted_themes_are_found_and_noise_stays_out():
    messages, truth = synthetic()
    found = themes.mine_themes(messages)
    groups = [set(t.ids) for t in found]
    for ids in truth.values():
        assert ids in groups
    noise_ids = {m.id for m in messages} - set().union(*truth.values())
    assert not any(g & noise_ids for g in groups)
    top = {t.ids[0]: t for t in found}
    assert any("油烟" in t.top_terms for t in top.values())
    assert all(t.label and t.top_terms and t.months == ["2025-03"] for t in found)


def test_stable_under_reordering():
    messages, _ = synthetic()
    reference = [t.as_dict() for t in themes.mine_themes(messages)]
    for seed in range(3):
        shuffled = list(messages)
        random.Random(seed).shuffle(shuffled)
        assert [t.as_dict() for t in themes.mine_themes(shuffled)] == reference


def test_month_filter_and_growth():
    messages, truth = synthetic()
    earlier = [Message(f"e{k}", "2025-01-10", "幸福里小区车库积水", "幸福里小区地下车库积水", "A3")
               for k in range(2)]  # fmt: skip
    found = themes.mine_themes(messages + earlier, month="2025-03")
    by_place = {frozenset(t.ids): t for t in found}
    flooded = by_place[frozenset(truth["A3"])]
    assert flooded.previous == 2 and "2025-01" in flooded.months
    assert all(not i.startswith("e") for t in found for i in t.ids)
    fresh = by_place[frozenset(truth["A5"])]
    assert fresh.previous == 0


def test_different_regions_never_join():
    msgs = [
        Message("1", "", "", "幸福里小区车库积水", "A3"),
        Message("2", "", "", "幸福里小区车库积水", "B3"),
    ]
    assert themes.mine_themes(msgs) == []


def test_cli_contract(tmp_path, capsys):
    from qinqing.cli.main import main

    messages, truth = synthetic()
    path = tmp_path / "a.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "created_at", "title", "body", "region_code"])
        for m in messages:
            writer.writerow([m.id, m.created_at, m.title, m.body, m.region_code])
    assert main(["problems", "themes", "--appeals", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {frozenset(t["ids"]) for t in out["themes"]} >= {frozenset(v) for v in truth.values()}
    for theme in out["themes"]:
        assert {"label", "ids", "top_terms", "months"} <= set(theme)
    assert main(["problems", "themes", "--appeals", str(path), "--month", "2025-04"]) == 0
    assert json.loads(capsys.readouterr().out) == {"themes": []}
    assert main(["problems", "themes", "--appeals", str(path), "--month", "2025-4"]) == 2


def test_cli_imports_no_django(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "a.csv"
    path.write_text("id,created_at,title,body,region_code\n1,2025-03-01,a,b,\n", encoding="utf-8")
    code = (
        "import sys; from qinqing.cli.main import main; main(['problems','themes','--appeals',"
        f"{str(path)!r}]); print(any(m.startswith('django') for m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stderr.strip().endswith("False")


# --- real messages (../shared/data/appeals, read at test time; never copied) ------------------


@pytest.fixture(scope="module")
def real_messages():
    from tests.conftest import SHARED

    folder = SHARED / "data" / "appeals"
    assert folder.is_dir(), f"real message data missing at {folder}"
    rows = []
    for name in ("train.csv", "replies.csv"):
        with (folder / name).open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                rows.append(Message(id=r["id"], title=r["title"], body=r["body"]))
    return rows


@pytest.fixture(scope="module")
def real_themes(real_messages):
    return themes.mine_themes(real_messages)


def test_real_hand_checked_themes_are_found(real_themes):
    where = {i: k for k, t in enumerate(real_themes) for i in t.ids}
    together = total = 0
    for name, ids in TOGETHER.items():
        pairs = list(itertools.combinations(ids, 2))
        ok = sum(1 for a, b in pairs if a in where and where.get(a) == where.get(b))
        together, total = together + ok, total + len(pairs)
        # every hand-checked theme is found, at least as one theme of most of its messages
        biggest = max(
            (
                sum(1 for i in ids if where.get(i) == k)
                for k in {where.get(i) for i in ids} - {None}
            ),
            default=0,
        )
        assert biggest >= max(2, len(ids) // 3), name
    assert together / total >= 0.62  # 45 of 72 pairs (issue 18)


def test_real_unrelated_messages_stay_apart(real_themes):
    where = {i: k for k, t in enumerate(real_themes) for i in t.ids}
    for a, b in APART:
        assert a not in where or where.get(a) != where.get(b), (a, b)


def test_real_themes_stable_under_reordering(real_messages, real_themes):
    shuffled = list(real_messages)
    random.Random(7).shuffle(shuffled)
    assert _ids(themes.mine_themes(shuffled)) == _ids(real_themes)


def test_read_csv_rejects_missing_columns():
    from qinqing.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="缺少必需的列"):
        themes.read_csv(io.StringIO("id,text\n1,x\n").getvalue())
