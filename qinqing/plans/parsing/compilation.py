"""材料汇编 (compilation): a collection of articles, recognised and split into articles.

A compilation is not a plan: it has a table of contents (目录) whose entries end with page
numbers, or calls itself 汇编/选编, and carries no unit assignments. Its articles are:

* every body line that equals a contents entry (in order; a title listed twice is two
  articles), and
* every other short line standing alone between blank lines with no sentence punctuation
  (a titled article the contents omit).

Body text before the first title is an *untitled fragment*: kept, but not an article.
Advertising at the end (【…素材库】, 会员, 客服, 代笔…) and marker lines such as
``##paidend##`` belong to no article.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .blocks import Para
from .outline import match_marker

COMPILATION_TITLE_RE = re.compile(r"汇编|选编|文集|材料汇总|经验做法汇总|案例集|资料集")
_TOC_HEAD_RE = re.compile(r"^目\s*录$")
_TOC_ENTRY_RE = re.compile(r"^(?P<title>.+?)(?:[\s.．·…\-—_]+(?P<page>\d{1,4}))?$")
_MARKER_RE = re.compile(r"^#{1,3}[A-Za-z_]+#{1,3}$")
_AD_RE = re.compile(
    r"素材库|会员|客服|代笔|润笔|微信|公众号|扫码|二维码|QQ群|VIP|vip|网盘|下载|添加|关注|广告|优惠|原创|淘宝|店铺|咨询电话"
)
_SENTENCE_PUNCT_RE = re.compile(r"[。！？；;!?]")


@dataclass
class Article:
    title: str
    line: int
    in_toc: bool
    toc_page: int | None = None
    body_lines: list[Para] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(p.text for p in self.body_lines if p.text)


@dataclass
class Compilation:
    title: str
    toc: list[tuple[str, int | None, int]]  # (title, page, line)
    articles: list[Article]
    fragments: list[Article]  # untitled pieces (title "")
    advertising_lines: list[int]


def find_toc(paras: list[Para]) -> tuple[int, int, list[tuple[str, int | None, int]]] | None:
    """Index range of the contents and its entries (title, page, line), or None."""
    for i, para in enumerate(paras[:80]):
        if not _TOC_HEAD_RE.match(para.text.replace(" ", "")):
            continue
        entries: list[tuple[str, int | None, int]] = []
        j = i + 1
        started = False
        while j < len(paras):
            text = paras[j].text
            if not text:
                if started:
                    break
                j += 1
                continue
            started = True
            if _MARKER_RE.match(text):
                j += 1
                continue
            if len(text) > 80 or _SENTENCE_PUNCT_RE.search(text.rstrip("0123456789 \t.")):
                break
            m = _TOC_ENTRY_RE.match(text)
            title = m["title"].strip() if m else text
            page = int(m["page"]) if m and m["page"] else None
            entries.append((title, page, paras[j].line))
            j += 1
        paged = sum(1 for e in entries if e[1] is not None)
        if len(entries) >= 3 and paged >= len(entries) // 2:
            return i, j, entries
    return None


def is_compilation(paras: list[Para], title: str, unit_annotations: int) -> bool:
    """A compilation calls itself one, or has a paged table of contents of article titles
    (not of numbered chapters, as a long plan's contents are) and no unit labels."""
    head = " ".join(p.text for p in paras[:8] if p.text)
    if COMPILATION_TITLE_RE.search(title or "") or COMPILATION_TITLE_RE.search(head):
        return unit_annotations < 3
    toc = find_toc(paras)
    if toc is None or unit_annotations:
        return False

    entries = toc[2]
    numbered = sum(1 for t, _p, _l in entries if match_marker(t) is not None or t.startswith("第"))
    return numbered * 2 < len(entries)


def _norm(text: str) -> str:
    """Contents and body titles compare without spaces, quote styles and full/half width.

    Examples:
        >>> _norm("XX区： 巧用“加减乘除”") == _norm('XX区:巧用"加减乘除"')
        True
    """
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\"'“”‘’「」『』]+", "", text)


def parse_compilation(paras: list[Para]) -> Compilation:
    non_empty = [p for p in paras if p.text]
    title = non_empty[0].text if non_empty else ""
    toc_info = find_toc(paras)
    toc: list[tuple[str, int | None, int]] = []
    start = 0
    if toc_info:
        _i, start, toc = toc_info
        if non_empty and _TOC_HEAD_RE.match(non_empty[0].text):
            title = ""
    if not title or _TOC_HEAD_RE.match(title):
        title = next((t for t, _p, _l in toc if t != "目录"), "")
    # Contents entries naming the compilation itself or the contents page are not articles.
    wanted = [
        (t, page)
        for t, page, _l in toc
        if _norm(t) not in (_norm(title), "目录") and not _MARKER_RE.match(t)
    ]
    body = paras[start:]
    body, ad_lines = _strip_advertising(body)
    # contents entries by normalised title; a title listed twice is two articles, in order
    toc_queue: dict[str, list[int | None]] = {}
    for t, page in wanted:
        toc_queue.setdefault(_norm(t), []).append(page)
    titles_at: dict[int, tuple[str, bool, int | None]] = {}
    for k, para in enumerate(body):
        text = para.text
        if not text or len(text) > 100 or _MARKER_RE.match(text):
            continue
        pages = toc_queue.get(_norm(text))
        if pages:
            titles_at[k] = (text, True, pages.pop(0))
            continue
        if _standalone_title(body, k):
            titles_at[k] = (text, False, None)

    articles: list[Article] = []
    fragments: list[Article] = []
    current: Article | None = None
    for k, para in enumerate(body):
        if k in titles_at:
            t, in_toc, page = titles_at[k]
            current = Article(title=t, line=para.line, in_toc=in_toc, toc_page=page)
            articles.append(current)
            continue
        if not para.text or _MARKER_RE.match(para.text):
            if current is not None:
                current.body_lines.append(para)
            continue
        if current is None:
            current = Article(title="", line=para.line, in_toc=False)
            fragments.append(current)
        current.body_lines.append(para)
    return Compilation(
        title=title, toc=toc, articles=articles, fragments=fragments, advertising_lines=ad_lines
    )


def _standalone_title(body: list[Para], k: int) -> bool:
    """A short line between blank lines, without sentence punctuation, followed by text."""
    text = body[k].text
    if len(text) > 50 or len(text) < 4 or _SENTENCE_PUNCT_RE.search(text) or _AD_RE.search(text):
        return False
    if text[-1] in "，,、：:":
        return False
    before = body[k - 1].text if k > 0 else ""
    after = body[k + 1].text if k + 1 < len(body) else None
    if before or after is None or after:
        return False
    following = next((p.text for p in body[k + 1 :] if p.text), "")
    return len(following) > len(text)


def _strip_advertising(body: list[Para]) -> tuple[list[Para], list[int]]:
    """Drop trailing paragraphs (separated by blank lines) that are mostly advertising."""
    end = len(body)
    ad_lines: list[int] = []
    while end > 0:
        # the last run of non-blank lines
        j = end
        while j > 0 and (not body[j - 1].text or _MARKER_RE.match(body[j - 1].text)):
            j -= 1
        i = j
        while i > 0 and body[i - 1].text and not _MARKER_RE.match(body[i - 1].text):
            i -= 1
        run = body[i:j]
        if not run:
            break
        ads = [p for p in run if _AD_RE.search(p.text) or p.text.startswith("【")]
        if len(ads) * 2 >= len(run) and len(ads) >= 1:
            ad_lines = [p.line for p in run] + ad_lines
            end = i
            continue
        break
    kept = body[:end] + [p for p in body[end:] if not p.text]
    return kept, ad_lines


def compilation_dict(comp: Compilation) -> dict[str, Any]:
    return {
        "articles": [
            {
                "title": a.title,
                "line": a.line,
                "in_toc": a.in_toc,
                "toc_page": a.toc_page,
                "body": a.body,
            }
            for a in comp.articles
        ],
        "untitled_fragments": [
            {"line": f.line, "excerpt": f.body[:60], "body": f.body}
            for f in comp.fragments
            if f.body
        ],
        "toc_entries": len(comp.toc),
        "advertising_lines": comp.advertising_lines,
    }
