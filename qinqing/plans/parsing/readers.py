"""Reading uploaded plan files: .txt (UTF-8, GBK/GB18030, UTF-16), .docx and text-layer .pdf.

Every refusal is an :class:`~qinqing.core.errors.InvalidInput` with a one-line Chinese message
that says what is wrong with the file and what to do.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import charset_normalizer
import docx
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from lxml import etree
from pypdf import PdfReader, mult
from pypdf.errors import PdfReadError

from qinqing.core.errors import InvalidInput

from .blocks import Source, source_from_blocks, source_from_text
from .outline import match_marker
from .units import LABEL_LINE_RE

MAX_BYTES = (
    50 * 1024 * 1024
)  # an implementation plan is a few hundred KB; 50 MB leaves room for images
TEXT_SUFFIXES = {".txt", ".text", ".md", ".csv", ".tsv", ""}


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_size(size: int, filename: str) -> None:
    if size == 0:
        raise InvalidInput(f"“{filename}”是空文件（0 字节），请选择有内容的方案文件后重新上传。")
    if size > MAX_BYTES:
        raise InvalidInput(
            f"“{filename}”大小为 {_size_text(size)}，超过 {MAX_BYTES // 1024 // 1024} MB 的上限；"
            "请删除文中的图片或拆分文件后重新上传。"
        )


def read_file(path: str | Path) -> Source:
    """Read a file from disk; the size is checked before anything is read."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise InvalidInput(f"找不到文件“{path}”，请检查路径是否正确。")
    if path.is_dir():
        raise InvalidInput(f"“{path}”是文件夹，不是文件；请指定要解析的方案文件。")
    check_size(path.stat().st_size, name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            f"无法读取“{name}”（{exc.strerror or '权限不足或文件被占用'}），请检查文件权限后重试。"
        ) from exc
    return read_bytes(data, name)


def read_bytes(data: bytes, filename: str) -> Source:
    """Sniff the file type from its content (the suffix only breaks ties) and read it."""
    filename = Path(filename).name or "上传文件"
    check_size(len(data), filename)
    suffix = Path(filename).suffix.lower()
    head = data[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return read_docx(data, filename)
    if head.startswith(b"%PDF"):
        return read_pdf(data, filename)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise InvalidInput(
            f"“{filename}”是旧版 Word/WPS 文件（.doc/.wps），无法直接读取；请在 Word 或 WPS 中“另存为”.docx 后重新上传。"
        )
    if head.startswith(b"{\\rtf"):
        raise InvalidInput(f"“{filename}”是 RTF 格式文件，请在 Word 中“另存为”.docx 后重新上传。")
    if suffix == ".docx":
        raise InvalidInput(
            f"“{filename}”不是有效的 Word 文件（.docx），文件内容与扩展名不符；请用 Word 重新保存后上传。"
        )
    if suffix == ".pdf":
        raise InvalidInput(
            f"“{filename}”不是有效的 PDF 文件，文件可能已损坏；请重新导出 PDF 后上传。"
        )
    return source_from_text(decode_text(data, filename), filename)


# ---------------------------------------------------------------------------------------------
# Plain text

_BAD_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_UNREADABLE_RE = re.compile(r"[^\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\x20-\x7e\s“”‘’—…·、]")


def decode_text(data: bytes, filename: str) -> str:
    """Decode a text file: UTF-8 (BOM or not), UTF-16 with BOM, GB18030/GBK, then detection.

    Examples:
        >>> decode_text("一、总体要求".encode("gbk"), "a.txt")
        '一、总体要求'
        >>> decode_text("\\ufeff一、总体要求".encode("utf-8"), "a.txt")
        '一、总体要求'
        >>> decode_text("1.推行“一网通办”".encode("utf-16-le"), "a.txt")
        '1.推行“一网通办”'
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _try(data, "utf-16")
    elif b"\x00" in data[:4096]:
        # UTF-16 saved without a byte-order mark (Windows "Unicode" text), else binary
        text = next(
            (
                t
                for enc in ("utf-16-le", "utf-16-be")
                if (t := _try(data, enc)) is not None and _readable(t)
            ),
            None,
        )
        if text is None:
            raise InvalidInput(_binary_message(filename))
    else:
        text = _try(data, "utf-8-sig")
        if text is None:
            lenient = data.decode("utf-8", errors="replace")
            if lenient.count("\ufffd") <= max(2, len(lenient) // 2000):
                text = lenient.replace("\ufffd", "")
        if text is None:
            text = _try(data, "gb18030")
        if text is None:
            text = _detect(data)
    if text is None or not _readable(text):
        raise InvalidInput(_binary_message(filename))
    if not text.strip():
        raise InvalidInput(f"“{filename}”只有空白字符，没有可读取的内容；请检查文件后重新上传。")
    return text


def _binary_message(filename: str) -> str:
    return (
        f"“{filename}”不是可读的文本文件（内容像是图片、压缩包或其他二进制数据）；"
        "请上传 .txt（UTF-8 或 GBK 编码）、.docx 或带文字层的 .pdf 文件。"
    )


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _detect(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is None:
        return None
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _readable(text: str) -> bool:
    """Mostly Chinese, ASCII and punctuation, with (almost) no control characters."""
    sample = text[:20000]
    if not sample:
        return True
    if len(_BAD_CONTROL_RE.findall(sample)) > max(3, len(sample) // 500):
        return False
    return len(_UNREADABLE_RE.findall(sample)) <= 0.15 * len(sample)


# ---------------------------------------------------------------------------------------------
# Word

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# Bounds on the work of reading one .docx. A 142 KB file holding a million empty paragraphs
# once kept a worker busy until gunicorn killed it; a long plan (200 pages) has about 5,000
# paragraphs, 10,000 table cells and a 5 MB document.xml.
MAX_DOCX_XML_BYTES = 30 * 1024 * 1024
MAX_DOCX_PARAGRAPHS = 20_000
MAX_DOCX_CELLS = 50_000
MAX_DOCX_ELEMENTS = 2_000_000


def check_docx_work(archive: zipfile.ZipFile, filename: str) -> None:
    """Refuse a .docx whose body would take too long to read, by a bounded streaming scan."""
    too_big = InvalidInput(
        f"“{filename}”的正文过长（超过 {MAX_DOCX_PARAGRAPHS} 段、{MAX_DOCX_CELLS} 个表格单元格"
        f"或 {MAX_DOCX_XML_BYTES // 1024 // 1024} MB 文字内容），超出方案文件的正常范围，未读取。"
        "请删除空段落或拆分文件后重新上传。"
    )
    with archive.open("word/document.xml") as stream:
        xml = stream.read(MAX_DOCX_XML_BYTES + 1)
    if len(xml) > MAX_DOCX_XML_BYTES:
        raise too_big
    paragraphs = cells = elements = 0
    try:
        for _event, element in etree.iterparse(
            io.BytesIO(xml), events=("start",), resolve_entities=False, no_network=True,
            huge_tree=False,
        ):  # fmt: skip
            elements += 1
            if element.tag == f"{_W}p":
                paragraphs += 1
            elif element.tag == f"{_W}tc":
                cells += 1
            if (
                paragraphs > MAX_DOCX_PARAGRAPHS
                or cells > MAX_DOCX_CELLS
                or elements > MAX_DOCX_ELEMENTS
            ):
                raise too_big
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(
            f"“{filename}”无法作为 Word 文件打开（文件可能已损坏）；请用 Word 重新保存后上传。"
        ) from exc


def read_docx(data: bytes, filename: str) -> Source:
    """Paragraphs and tables of a .docx in document order; automatic numbering is rendered."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise InvalidInput(
            f"“{filename}”不是有效的 Word 文件（.docx），文件可能已损坏；请用 Word 重新保存后上传。"
        ) from exc
    if "word/document.xml" not in names:
        what = (
            "Excel 表格"
            if "xl/workbook.xml" in names
            else "PowerPoint 文稿"
            if "ppt/presentation.xml" in names
            else "压缩包"
        )
        raise InvalidInput(
            f"“{filename}”不是 Word 文件（.docx），而是{what}；请上传方案的 Word 文档（.docx）、文本文件或 PDF。"
        )
    check_docx_work(archive, filename)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for damaged files
        raise InvalidInput(
            f"“{filename}”无法作为 Word 文件打开（文件可能已损坏或加密）；请用 Word 重新保存后上传。"
        ) from exc
    numbering = _Numbering(document)
    items: list[str | list[list[str]]] = []

    def visit(parent_element: Any) -> None:
        for child in parent_element.iterchildren():
            tag = child.tag
            if tag == f"{_W}p":
                paragraph = Paragraph(child, document)
                items.append(numbering.label(paragraph) + paragraph.text)
            elif tag == f"{_W}tbl":
                table = DocxTable(child, document)
                rows = []
                for row in table.rows:
                    try:
                        rows.append([cell.text for cell in row.cells])
                    except Exception:  # noqa: S112 - a malformed row is skipped, not fatal
                        continue
                items.append(rows)
            elif tag == f"{_W}sdt":
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    visit(content)

    visit(document.element.body)
    source = source_from_blocks(_flatten_layout_tables(items), filename)
    if not source.text.strip():
        raise InvalidInput(
            f"“{filename}”中没有文字；如果方案是图片或扫描件，请先进行文字识别（OCR），或上传带文字的 .docx/.txt。"
        )
    return source


def _flatten_layout_tables(items: list[Any]) -> list[Any]:
    """A table of one column (used for page layout) is read as its paragraphs."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, list) and item and max(len(r) for r in item) == 1:
            for row in item:
                out.extend(row[0].split("\n"))
        else:
            out.append(item)
    return out


_CN_DIGITS = "零一二三四五六七八九"


def _cn_numeral(n: int) -> str:
    """1 -> 一, 12 -> 十二, 23 -> 二十三 (as Word's chineseCounting writes them)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


class _Numbering:
    """Render Word's automatic list numbers ("一、", "（一）", "1.") as text."""

    CHINESE = {
        "chineseCounting",
        "chineseCountingThousand",
        "chineseLegalSimplified",
        "ideographTraditional",
        "japaneseCounting",
        "taiwaneseCounting",
        "taiwaneseCountingThousand",
        "ideographDigital",
    }

    def __init__(self, document: Any) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.num_to_abstract: dict[str, str] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except Exception:  # no numbering part: nothing to render
            return
        for abstract in root.findall(f"{_W}abstractNum"):
            aid = abstract.get(f"{_W}abstractNumId")
            levels = {}
            for lvl in abstract.findall(f"{_W}lvl"):
                ilvl = int(lvl.get(f"{_W}ilvl", "0"))
                fmt = lvl.find(f"{_W}numFmt")
                text = lvl.find(f"{_W}lvlText")
                start = lvl.find(f"{_W}start")
                levels[ilvl] = (
                    fmt.get(f"{_W}val") if fmt is not None else "decimal",
                    text.get(f"{_W}val") if text is not None else "",
                    int(start.get(f"{_W}val")) if start is not None else 1,
                )
            self.levels[aid] = levels
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                self.num_to_abstract[num.get(f"{_W}numId")] = ref.get(f"{_W}val")

    def _num_pr(self, paragraph: Any) -> Any:
        ppr = paragraph._p.pPr
        if ppr is not None and ppr.numPr is not None:
            return ppr.numPr
        style = paragraph.style
        while style is not None:
            sppr = style.element.pPr
            if sppr is not None and sppr.numPr is not None:
                return sppr.numPr
            style = style.base_style
        return None

    def label(self, paragraph: Any) -> str:
        if not self.levels:
            return ""
        try:
            num_pr = self._num_pr(paragraph)
        except Exception:
            return ""
        if num_pr is None or num_pr.numId is None:
            return ""
        num_id = str(num_pr.numId.val)
        ilvl = int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0
        aid = self.num_to_abstract.get(num_id)
        levels = self.levels.get(aid or "")
        if not levels or ilvl not in levels or not paragraph.text.strip():
            return ""
        counters = self.counters.setdefault(aid or "", {})
        fmt, text, start = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if fmt in ("bullet", "none"):
            return ""

        def render(m: re.Match[str]) -> str:
            level = int(m.group(1)) - 1
            lfmt, _t, lstart = levels.get(level, ("decimal", "", 1))
            value = counters.get(level, lstart)
            if lfmt in self.CHINESE:
                return _cn_numeral(value)
            if lfmt.startswith("decimalEnclosedCircle") and 1 <= value <= 20:
                return chr(ord("①") + value - 1)
            if lfmt == "lowerLetter":
                return chr(ord("a") + (value - 1) % 26)
            if lfmt == "upperLetter":
                return chr(ord("A") + (value - 1) % 26)
            return str(value)

        return re.sub(r"%(\d)", render, text)


# ---------------------------------------------------------------------------------------------
# PDF


def read_pdf(data: bytes, filename: str) -> Source:
    """The text layer of a PDF, lines re-joined where the page width wrapped them."""
    # pypdf logs repairs of damaged files as warnings; the user sees one message, not a log
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidInput(f"“{filename}”是加密的 PDF，需要密码才能打开；请上传未加密的文件。")
        pages = [_page_text(page, filename) for page in reader.pages]
    except InvalidInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InvalidInput(
            f"“{filename}”无法作为 PDF 打开（文件可能已损坏）；请重新导出 PDF 后上传。"
        ) from exc
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        raise InvalidInput(
            f"“{filename}”无法作为 PDF 打开（文件可能已损坏）；请重新导出 PDF 后上传。"
        ) from exc
    visible = sum(len(re.sub(r"\s", "", p)) for p in pages)
    if visible < max(20, 10 * len(pages)):
        raise InvalidInput(
            f"“{filename}”是扫描件或图片 PDF，没有文字层（共 {len(pages)} 页），无法直接读取；"
            "请先用 OCR 文字识别软件转换为文字，或上传 .docx/.txt 文件。"
        )
    lines: list[str] = []
    for page in pages:
        lines.extend(_page_lines(page))
    return source_from_text("\n".join(unwrap_lines(lines)), filename)


def _page_text(page: Any, filename: str) -> str:
    """A page's text in reading order: a two-column page is read left column first."""
    columns = _column_order(page, filename)
    return columns if columns is not None else page.extract_text() or ""


def _column_order(page: Any, filename: str) -> str | None:
    """The text of a two-column page, column by column; None for a one-column page.

    A second column shows as many text runs starting at one x position near the middle of the
    page. When a run of the left column reaches into the right one the reading order cannot be
    told, and the file is refused with a message saying so.
    """
    runs: list[tuple[float, float, float, str]] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, size: Any) -> None:
        if text and text.strip():
            m = mult(tm, cm)
            runs.append((m[4], m[5], float(size or 0) * (abs(m[0]) or 1.0), text.strip()))

    page.extract_text(visitor_text=visit)
    width = float(page.mediabox.width)
    if len(runs) < 8 or width <= 0:
        return None
    starts = Counter(round(x / 4) for x, _y, _s, _t in runs if 0.35 * width < x < 0.65 * width)
    if not starts:
        return None
    key, count = starts.most_common(1)[0]
    rows = {round(y) for _x, y, _s, _t in runs}
    if count < 4 or count < 0.2 * len(rows):
        return None
    split = key * 4 - 2
    left = [r for r in runs if r[0] < split]
    right = [r for r in runs if r[0] >= split]
    for x, _y, size, text in left:
        wide = sum(1.0 if ord(ch) > 0x2E80 else 0.5 for ch in text)
        if x + wide * (size or 10) > split + (size or 10):
            raise InvalidInput(
                f"“{filename}”是多栏排版的 PDF，无法确定阅读顺序；"
                "请上传 .docx 或单栏排版的 PDF，或将正文复制为 .txt 后上传。"
            )
    lines: list[str] = []
    for column in (left, right):
        column.sort(key=lambda r: (-r[1], r[0]))
        current_y, parts = None, []
        for _x, y, _size, text in column:
            if current_y is not None and abs(y - current_y) > 2:
                lines.append("".join(parts))
                parts = []
            current_y = y
            parts.append(text)
        if parts:
            lines.append("".join(parts))
    return "\n".join(lines)


_PAGE_NUMBER_RE = re.compile(r"^[-—－\s]*\d{1,4}[-—－\s]*$|^第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?$")


_CJK = r"[\u4e00-\u9fff，。、；：！？“”‘’（）〔〕【】《》]"
_SPACE_BETWEEN_CJK_RE = re.compile(rf"(?<={_CJK})[ \t\u3000]+(?={_CJK})")


def _page_lines(page: str) -> list[str]:
    """Lines of a page without page numbers, and without the spaces some PDFs put between
    Chinese characters ("推 行 政 务 服 务")."""
    return [
        _SPACE_BETWEEN_CJK_RE.sub("", ln)
        for ln in page.split("\n")
        if not _PAGE_NUMBER_RE.match(ln.strip())
    ]


def _open_brackets(text: str) -> bool:
    """Whether a bracket opened in the text is still open (a label inside it goes on)."""
    return sum(text.count(c) for c in "（(〔【") > sum(text.count(c) for c in "）)〕】")


def _short_closing_bracket(text: str) -> bool:
    """A line of full width ending in a short bracket ("纳入本区（县级市）") is cut mid-sentence."""
    m = re.search(r"[（(]([^（）()]{1,6})[）)]$", text)
    return m is not None


def unwrap_lines(lines: list[str]) -> list[str]:
    """Join lines that the PDF page width broke, keeping headings and label lines apart.

    A line is a wrapped one when it is about as long as the longest lines of the page and does
    not end a sentence; the next line continues it unless it starts a heading or a label.

    Examples:
        >>> unwrap_lines(["1.推行政务服务线上“一网通办”。加大“一张网”宣", "传推广。", "2.推进“一事联办”。"])
        ['1.推行政务服务线上“一网通办”。加大“一张网”宣传推广。', '2.推进“一事联办”。']
    """
    stripped = [ln.strip() for ln in lines]
    lengths = sorted(len(s) for s in stripped if len(s) >= 8)
    if not lengths:
        return stripped
    full = lengths[int(len(lengths) * 0.9) - 1 if len(lengths) >= 10 else -1]
    out: list[str] = []
    last_len = 0
    for s in stripped:
        if (
            out
            and s
            and out[-1]
            and last_len >= full - 3
            and (out[-1][-1] not in "。！？；：:;!?）)〕】" or _short_closing_bracket(out[-1]))
            and match_marker(s) is None
            and (not LABEL_LINE_RE.match(s) or _open_brackets(out[-1]))
        ):
            out[-1] += s
        else:
            out.append(s)
        last_len = len(s)
    return out
