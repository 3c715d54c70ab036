"""The 通报 as printed: red header, items numbered once, 「本期无……」 instead of an empty
table, an embedded Chinese font, a chart without missing glyphs, and the problem ledger's
chapter (contributed through the problems app's manifest), read back from the files."""

import io
import re
import warnings
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from qinqing.core.files import official
from qinqing.supervision import bulletin as layout
from qinqing.supervision import service

SH = ZoneInfo("Asia/Shanghai")
RED = (0xC0, 0x00, 0x00)


def _data(**kw) -> layout.BulletinData:
    values = {
        "area": "示例市",
        "issuer": "示例市营商环境办",
        "period_start": date(2025, 6, 1),
        "period_end": date(2025, 6, 30),
        "as_of": date(2025, 7, 3),
        "total": 3,
        "counts": [("逾期", 2), ("推进中", 1)],
        "due_soon": 0,
        "overdue_by_unit": [
            (
                "市税务局",
                [
                    layout.OverdueTask("6", "加强信用修复", date(2025, 6, 20)),
                    layout.OverdueTask("16-1", "压缩不动产登记时限", date(2025, 6, 25)),
                ],
            )
        ],
    }
    values.update(kw)
    return layout.BulletinData(**values)


def _ranked() -> list[layout.RankRow]:
    return [
        layout.RankRow(
            rank=1,
            unit="市市场监管局",
            expected=2,
            on_time=2,
            late=0,
            missing=0,
            not_due=0,
            returned=0,
            timeliness=100.0,
            returned_rate=0.0,
            overdue_tasks=0,
        )
    ]


def _docx(data: layout.BulletinData):
    return Document(io.BytesIO(layout.render_docx(data, layout.render_chart(data))))


def _pdf(data: layout.BulletinData) -> PdfReader:
    return PdfReader(io.BytesIO(layout.render_pdf(data, layout.render_chart(data))))


def _pdf_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _paragraphs(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_word_file_has_the_red_masthead_and_red_rule():
    doc = _docx(_data())
    masthead, number = doc.paragraphs[0], doc.paragraphs[1]
    assert masthead.text == "示例市优化营商环境工作通报"
    assert tuple(masthead.style.font.color.rgb) == RED
    assert number.text == "示例市营商环境办〔2025〕　　号"
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "C00000" and rule.get(qn("w:val")) == "single"
    # the body is black: only the header is red
    body = next(p for p in doc.paragraphs if p.text.startswith("现将"))
    assert body.style.font.color.rgb is None


def test_pdf_draws_the_masthead_in_red():
    reader = _pdf(_data())
    ops = reader.pages[0].get_contents().get_data().decode("latin-1")
    # the masthead's text colour (rg) and the rule's stroke colour (RG) are the red C00000
    assert re.search(r"(^|\s)\.752941 0 0 rg", ops)
    assert re.search(r"(^|\s)\.752941 0 0 RG", ops)
    assert re.search(r"^\s*(— 1 —)?\s*示例市优化营商环境工作通报", _pdf_text(reader))


def test_overdue_items_are_numbered_once_with_the_plan_number_in_brackets():
    data = _data()
    texts = _paragraphs(_docx(data))
    assert "1. 加强信用修复（任务序号6，完成时限：2025年6月20日）" in texts
    assert "2. 压缩不动产登记时限（任务序号16-1，完成时限：2025年6月25日）" in texts
    # no item carries two numbers, as "1. 6 加强…" did
    assert not [t for t in texts if re.match(r"^\d+\.\s*[\d-]+\s", t)]
    pdf = _pdf_text(_pdf(data))
    assert "1. 加强信用修复（任务序号6" in pdf
    assert not re.search(r"\d+\. 6 加强", pdf)


def test_empty_ranking_is_a_sentence_not_an_empty_table():
    data = _data(ranking=[])
    doc = _docx(data)
    assert not [t for t in doc.tables if t.rows[0].cells[0].text == "排名"]
    sentence = "本期无应报送进度的单位，2025年6月不作单位排名。"
    assert sentence in _paragraphs(doc)
    assert "按进度报送按时率从高到低排名" not in "".join(_paragraphs(doc))
    assert sentence in _pdf_text(_pdf(data)).replace("\n", "")


def test_a_ranking_with_units_is_a_table_without_the_sentence():
    doc = _docx(_data(ranking=_ranked()))
    ranking = next(t for t in doc.tables if t.rows[0].cells[0].text == "排名")
    assert [c.text for c in ranking.rows[1].cells][:2] == ["1", "市市场监管局"]
    assert not [p for p in _paragraphs(doc) if p.startswith("本期无应报送进度的单位")]


def test_chapters_are_numbered_in_order():
    texts = _paragraphs(_docx(_data()))
    headings = [t for t in texts if re.match(r"^[一二三四五六七八九十]+、", t)]
    assert headings == [
        "一、总体情况",
        "二、逾期任务情况",
        "三、进度报送情况",
        "四、单位排名",
        "五、督办情况",
        "六、有关要求",
    ]


def _fonts(reader: PdfReader) -> list:
    fonts = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            if font["/Subtype"] == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            fonts.append(font)
    return fonts


def test_pdf_embeds_its_chinese_font():
    fonts = _fonts(_pdf(_data()))
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font
        assert "STSong" not in str(font["/BaseFont"])


def test_chart_draws_every_chinese_label_with_an_installed_font():
    data = _data(counts=[("逾期", 1), ("未启动", 1), ("推进中", 1), ("已完成待核验", 0)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = layout.render_chart(data)
    assert png.startswith(b"\x89PNG")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []


def test_without_a_chinese_font_the_bulletin_says_so_in_chinese(monkeypatch, world):
    monkeypatch.setattr(official, "KNOWN_CJK_FONTS", ())
    monkeypatch.setattr(official, "_found", None)
    monkeypatch.setattr(official, "_from_fontconfig", lambda: None)
    monkeypatch.delenv("QINQING_CJK_FONT", raising=False)
    with pytest.raises(official.CJKFontMissing) as caught:
        layout.render_chart(_data())
    assert "中文字体" in caught.value.message and "/" not in caught.value.message
    from qinqing.supervision.models import Bulletin

    with pytest.raises(official.CJKFontMissing):
        service.generate_bulletin(
            actor=world.office_admin,
            area=world.city,
            period_start=date(2025, 6, 1),
            period_end=date(2025, 6, 30),
            now=datetime(2025, 7, 3, 10, 0, tzinfo=SH),
        )
    assert not Bulletin.objects.exists()


def test_the_font_is_found_through_fontconfig_when_not_at_a_known_path(monkeypatch):
    monkeypatch.setattr(official, "KNOWN_CJK_FONTS", ())
    monkeypatch.setattr(official, "_found", None)
    monkeypatch.delenv("QINQING_CJK_FONT", raising=False)
    font = official.cjk_font()
    assert font.path.endswith((".ttf", ".ttc"))
    # a TrueType-outline font: reportlab can embed it
    from reportlab.pdfbase.ttfonts import TTFont

    TTFont("Probe", font.path, subfontIndex=font.index)


# ---------------------------------------------------------------------------------------------
# The problem ledger's chapter (issue 18), from problems created through its service


def _problem(world, lead, source, *, now, time_limit="60个工作日"):
    from qinqing.problems import service as problems

    return problems.create_problem(
        actor=world.office_admin,
        title=f"{lead.name}窗口办事需往返多次",
        source=source,
        lead_unit=lead,
        time_limit=time_limit,
        now=now,
    )


@pytest.fixture
def ledger_problems(world):
    from qinqing.problems import service as problems

    june = datetime(2025, 6, 3, 10, 0, tzinfo=SH)
    _problem(world, world.market, "inspection", now=june)
    _problem(world, world.market, "incognito", now=june)
    late = _problem(world, world.tax, "inspection", now=june, time_limit="3个工作日")
    done = _problem(world, world.tax, "supervisor", now=june)
    problems.submit_rectification(
        done,
        actor=world.tax_clerk,
        rectification="已整合窗口",
        evidence_note="整改照片说明",
        now=datetime(2025, 6, 10, 10, 0, tzinfo=SH),
    )
    return {"late": late, "submitted": done}


def _table_after(doc, caption: str) -> list[list[str]]:
    body = doc.element.body
    found = False
    for child in body.iterchildren():
        if child.tag == qn("w:p") and "".join(t.text or "" for t in child.iter(qn("w:t"))).endswith(
            caption
        ):
            found = True
        elif found and child.tag == qn("w:tbl"):
            return [
                ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))]
                for tr in child.iter(qn("w:tr"))
            ]
    raise AssertionError(f"no table after {caption}")


def test_bulletin_has_the_problem_ledgers_counts_by_unit_source_and_status(world, ledger_problems):
    data = layout.gather_bulletin(world.city, date(2025, 6, 1), date(2025, 6, 30), date(2025, 7, 3))
    doc = _docx(data)
    texts = _paragraphs(doc)
    assert "六、问题整改情况" in texts and "七、有关要求" in texts
    intro = next(t for t in texts if "问题台账共登记问题" in t)
    assert "共登记问题4项" in intro and "整改中3项" in intro and "待销号审核1项" in intro
    assert "逾期未整改1项" in intro and "本期新登记4项" in intro
    by_unit = _table_after(doc, "按责任单位统计")
    header = by_unit[0]
    assert header[:2] == ["责任单位", "合计"] and header[-1] == "逾期"
    rows = {r[0]: dict(zip(header[1:], r[1:], strict=True)) for r in by_unit[1:]}
    assert rows["市市场监管局"]["合计"] == "2" and rows["市市场监管局"]["整改中"] == "2"
    assert rows["市税务局"]["待销号审核"] == "1" and rows["市税务局"]["逾期"] == "1"
    by_source = dict(r for r in _table_after(doc, "按问题来源统计")[1:])
    assert by_source == {"督查检查": "2", "明察暗访": "1", "营商环境监督员": "1"}
    by_status = dict(r for r in _table_after(doc, "按整改状态统计")[1:])
    assert by_status == {"整改中": "3", "待销号审核": "1"}
    pdf = _pdf_text(_pdf(data)).replace("\n", "")
    assert "问题整改情况" in pdf and "按问题来源统计" in pdf and "营商环境监督员" in pdf


def test_another_citys_problems_stay_out_of_the_bulletin(world, ledger_problems):
    data = layout.gather_bulletin(
        world.other_city, date(2025, 6, 1), date(2025, 6, 30), date(2025, 7, 3)
    )
    texts = _paragraphs(_docx(data))
    assert "邻市问题台账无登记的问题。" in "".join(texts)
    assert not [t for t in texts if "按责任单位统计" in t]


def test_a_configured_font_that_cannot_be_embedded_is_refused_in_chinese(monkeypatch, tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"OTTO not a TrueType font")
    monkeypatch.setenv("QINQING_CJK_FONT", str(broken))
    monkeypatch.setattr(official, "_found", None)
    monkeypatch.setattr(official, "_PDF_FONT", "QinqingCJKProbe")  # not registered yet
    with pytest.raises(official.CJKFontMissing) as caught:
        official.render_pdf(layout.bulletin_document(_data(), b""))
    assert caught.value.message == official.FONT_MISSING
