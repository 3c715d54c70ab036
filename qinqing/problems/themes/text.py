"""Reading messages and turning each into features: words, place names and regions."""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import rjieba
from scipy import sparse

from qinqing.core.errors import InvalidInput
from qinqing.problems.themes.lexicon import (
    AREA_SUFFIXES,
    ASCII_ALNUM,
    BREAKS_RE,
    COMPANY_FORM_RE,
    GENERIC_NAMES,
    LEADERS_RE,
    NOT_AFTER,
    REGION_CODE_RE,
    STOP_WORDS,
    SUFFIX_RE,
    WEAK_SUFFIXES,
)

# The head of a message (title and the start of the body) is cut into words; the place
# patterns read the title and a longer part of the body. Messages state the problem and
# the place first.
HEAD_CHARS = 160
PLACE_CHARS = 400  # place names are read from the title and this much of the body
PLACE_WEIGHT = 2.0
AREA_WEIGHT = 1.5
REGION_WEIGHT = 1.0
PARALLEL_FROM = 10_000  # read features in two processes from this many rows
WORKERS = 2


@dataclass
class Message:
    id: str
    created_at: str = ""
    title: str = ""
    body: str = ""
    region_code: str = ""
    enterprise: str = ""

    @property
    def month(self) -> str:
        return self.created_at[:7] if len(self.created_at) >= 7 else ""

    @property
    def text(self) -> str:
        return f"{self.title} {self.body}".strip()


@dataclass
class Features:
    """What the clustering reads of each message, rows aligned with the messages.

    ``weights`` holds the raw weight of each feature (columns: ``vocab``, sorted, so that
    the columns do not depend on how the rows were split between processes); a feature is
    a word (``w:``), a place (``p:``) or a region (``r:``).
    """

    weights: sparse.csr_matrix
    vocab: list[str]
    places: list[list[str]]
    regions: list[set[str]]


# ---------------------------------------------------------------------------------------------
# Reading input


def read_csv(data: str | bytes) -> list[Message]:
    """Rows of a CSV with header ``id,created_at,title,body,region_code`` (UTF-8, BOM allowed).

    An ``enterprise`` (or ``uscc``) column, when present, measures spread across enterprises.

    Examples:
        >>> rows = read_csv("id,created_at,title,body,region_code\\n7,2025-03-02,路灯不亮,,A3\\n")
        >>> rows[0].id, rows[0].month, rows[0].region_code
        ('7', '2025-03', 'A3')
    """
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    data = data.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(data))
    headers = [h.strip() for h in (reader.fieldnames or [])]
    missing = [h for h in ("id", "title", "body") if h not in headers]
    if missing:
        raise InvalidInput(
            f"诉求 CSV 缺少必需的列：{'、'.join(missing)}。第 1 行应为表头 "
            "id,created_at,title,body,region_code（UTF-8 编码）。"
        )
    out = []
    for raw in reader:
        row = {(k or "").strip(): (v or "") for k, v in raw.items()}
        if not row.get("id", "").strip():
            continue
        out.append(
            Message(
                id=row["id"].strip(),
                created_at=row.get("created_at", "").strip(),
                title=row.get("title", "").strip(),
                body=row.get("body", "").strip(),
                region_code=row.get("region_code", "").strip(),
                enterprise=(row.get("enterprise") or row.get("uscc") or "").strip(),
            )
        )
    return out


def canonical(messages: Iterable[Message]) -> list[Message]:
    """Messages in the order of their ids (numeric ids numerically), duplicates dropped."""
    seen: dict[str, Message] = {}
    for m in messages:
        seen.setdefault(m.id, m)

    def key(i: str) -> tuple[int, int, str]:
        return (0, int(i), "") if i.isdigit() else (1, 0, i)

    return [seen[i] for i in sorted(seen, key=key)]


# ---------------------------------------------------------------------------------------------
# Words


_NUMERIC = re.compile(r"[\d.,:：%年月日号\-/]+")
_LETTER = re.compile(r"[\u4e00-\u9fa5A-Za-z]")
_ALPHANUMERIC = re.compile(r"[\dA-Za-z]+")


def _keep(word: str) -> str:
    """The word as a feature, or "" when it is a stop word, a number or a single character."""
    word = word.strip()
    if len(word) < 2 or word in STOP_WORDS:
        return ""
    if word.isdigit() or _NUMERIC.fullmatch(word):
        return ""
    return word if _LETTER.search(word) else ""


_KEPT: dict[str, str] = {}  # every word met, and what it becomes (see _keep)


def words(text: str) -> list[str]:
    """The words of a message head, without stop words.

    Words are cut by jieba's dictionary and algorithm (its compiled port, jieba-rs, which
    cuts exactly as jieba does without the hidden Markov model, about eight times faster).

    Examples:
        >>> words("您好，A3区杜鹃路的路灯不亮了")
        ['A3', '杜鹃', '灯不亮']
    """
    out = []
    for token in rjieba.cut(text, False):
        kept = _KEPT.get(token)
        if kept is None:
            kept = _KEPT[token] = _keep(token)
        if kept:
            out.append(kept)
    return out


_SEEN: set[str] = set()  # every token met
_KEEP: set[str] = set()  # the tokens that are words (see _keep), as they are
_STRIPPED: dict[str, str] = {}  # tokens that are words once their spaces are stripped


def _word_set(text: str) -> set[str]:
    """The distinct words of ``text``, as :func:`words` gives them (in no order). Set
    operations run in C, so each token costs a few hash lookups, not a Python call."""
    tokens = set(rjieba.cut(text, False))
    for token in tokens - _SEEN:
        _SEEN.add(token)
        kept = _keep(token)
        if kept == token:
            _KEEP.add(token)
        elif kept:
            _STRIPPED[token] = kept
    found = tokens & _KEEP
    if _STRIPPED:
        found.update(_STRIPPED[t] for t in tokens.intersection(_STRIPPED))
    return found


# ---------------------------------------------------------------------------------------------
# Places and regions


def _without_codes(text: str) -> str:
    """The text with its region codes (「A3区」) replaced by a comma, a break for names."""
    parts: list[str] = []
    last = 0
    for match in REGION_CODE_RE.finditer(text):
        start = match.start()
        if start and text[start - 1] in ASCII_ALNUM:
            continue
        parts.append(text[last:start])
        parts.append("，")
        last = match.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def _strip_leaders(name: str) -> str:
    match = LEADERS_RE.match(name)
    return name[match.end() :] if match else name


def places(text: str) -> list[str]:
    """Place names in the text: 「××小区」「××路」「××村」…, generic ones dropped.

    The text is cut at punctuation, region codes and function characters; a name is the
    two to six characters before an ending, without leading verbs (「投诉」「位于」…). A
    name ending in 「城」「苑」「府」… before 「小区」「幼儿园」 is also given in its short form,
    so that 「恒大城幼儿园」 meets 「恒大城」.

    Only the pieces of text around an ending are looked at: the endings are found in one
    scan of the whole text, and the start of each piece is the last break before it.

    Examples:
        >>> places("我们小区旁边的魅力之城小区门面油烟扰民")
        ['魅力之城小区', '魅力之城']
        >>> places("投诉A7县黄花镇合心村周家冲组焦煤堆放场地")
        ['黄花镇', '合心村']
        >>> places("A3区杜鹃路和雷峰大道交界处，路灯不亮")
        ['杜鹃路', '雷峰大道']
    """
    text = _without_codes(text)
    if "公司" in text:
        text = COMPANY_FORM_RE.sub("公司", text)
    # endings, grouped by the piece of text (between two breaks) they stand in
    pieces: list[tuple[int, list[tuple[int, int, str]]]] = []
    previous_end = -1
    for match in SUFFIX_RE.finditer(text):
        start, stop, ending = match.start(), match.end(), match.group()
        after = text[stop : stop + 1]
        same_piece = previous_end >= 0 and not BREAKS_RE.search(text, previous_end, start)
        previous_end = stop
        if not same_piece:
            piece_start = max(0, start - 6)
            for brk in BREAKS_RE.finditer(text, piece_start, start):
                piece_start = brk.end()
            pieces.append((piece_start, []))
        if after and after in NOT_AFTER.get(ending, ""):
            continue
        pieces[-1][1].append((start, stop, ending))
    found: list[str] = []
    for piece_start, hits in pieces:
        _names_in_piece(text, piece_start, hits, found)
    return found


def _names_in_piece(text: str, piece_start: int, hits, found: list[str]) -> None:
    kept = []
    short_forms = []
    for k, (start, stop, ending) in enumerate(hits):
        nxt = hits[k + 1] if k + 1 < len(hits) else None
        if nxt and nxt[0] == stop and ending in WEAK_SUFFIXES:
            # 「恒大城」 + 「幼儿园」: one name, also known by its short form
            name = _strip_leaders(text[max(piece_start, start - 5) : start])
            if len(name) >= 2 and name not in GENERIC_NAMES:
                short_forms.append(name + ending)
            continue
        kept.append((start, stop, ending))
    prev_end = piece_start
    for k, (start, stop, ending) in enumerate(kept):
        # a weak ending merged into the next strong one starts the name earlier
        name = text[max(prev_end, start - 6) : start]
        if k and kept[k - 1][1] == start:
            prev_end = stop
            continue
        prev_end = stop
        name = _strip_leaders(name)
        if len(name) < 2 or name in GENERIC_NAMES or name in STOP_WORDS:
            continue
        if name.endswith(("人民政", "政")) or _ALPHANUMERIC.fullmatch(name):
            continue
        candidate = name + ending
        if candidate not in found:
            found.append(candidate)
    found.extend(f for f in short_forms if f not in found)


def regions(message: Message) -> set[str]:
    """Region keys: the row's ``region_code`` and the most specific codes named in the text.

    Examples:
        >>> sorted(regions(Message("1", title="A3区杜鹃路", body="A市政府：")))
        ['A3']
        >>> sorted(regions(Message("2", body="K8县丁字街", region_code="430100")))
        ['430100']
    """
    if message.region_code:
        return {message.region_code.upper()}
    text = message.text
    codes = {
        m.group(1)
        for m in REGION_CODE_RE.finditer(text)
        if not (m.start() and text[m.start() - 1] in ASCII_ALNUM)
    }
    county = {c for c in codes if len(c) > 1}
    return county or codes


# ---------------------------------------------------------------------------------------------
# Features


def _head(message: Message) -> str:
    title = message.title
    body = message.body
    return (f"{title}。{body}" if title else body)[:HEAD_CHARS]


def _place_text(message: Message) -> str:
    return f"{message.title}。{message.body[:PLACE_CHARS]}"


@dataclass
class _Part:
    """Features of a run of rows, with its own vocabulary (merged by :func:`features`)."""

    vocab: list[str]
    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    places: list[list[str]]
    regions: list[set[str]]


def _read(messages: Sequence[Message]) -> _Part:
    ids: dict[str, int] = {}  # feature → local column
    weight_of: list[float] = []
    word_ids: dict[str, int] = {}  # word → local column (a repeated word counts once)

    def column(term: str, weight: float) -> int:
        j = ids.get(term)
        if j is None:
            j = ids[term] = len(weight_of)
            weight_of.append(weight)
        return j

    indptr = [0]
    indices: list[int] = []
    all_places: list[list[str]] = []
    all_regions: list[set[str]] = []
    for message in messages:
        found_words = _word_set(_head(message))
        for w in found_words.difference(word_ids):
            word_ids[w] = column("w:" + w, 1.0)
        row = set(map(word_ids.__getitem__, found_words))
        found = places(_place_text(message))
        for p in found:
            row.add(column("p:" + p, AREA_WEIGHT if p.endswith(AREA_SUFFIXES) else PLACE_WEIGHT))
        region_set = regions(message)
        for r in region_set:
            row.add(column("r:" + r, REGION_WEIGHT))
        indices.extend(row)
        indptr.append(len(indices))
        all_places.append(found)
        all_regions.append(region_set)
    index = np.asarray(indices, dtype=np.int64)
    return _Part(
        vocab=list(ids),
        indptr=np.asarray(indptr, dtype=np.int64),
        indices=index,
        values=np.asarray(weight_of, dtype=np.float32)[index],
        places=all_places,
        regions=all_regions,
    )


def features(messages: Sequence[Message]) -> Features:
    """Weighted features of every message: words, place names and regions.

    From ``PARALLEL_FROM`` rows on, the rows are read in two forked processes, each
    returning compact arrays and its own vocabulary.
    """
    if len(messages) >= PARALLEL_FROM and _can_fork():
        step = -(-len(messages) // (WORKERS * 4))
        chunks = [messages[i : i + step] for i in range(0, len(messages), step)]
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            parts = pool.map(_read, chunks)
    else:
        parts = [_read(messages)]
    vocab = sorted({t for part in parts for t in part.vocab})
    column = {t: j for j, t in enumerate(vocab)}
    indptr = [np.zeros(1, dtype=np.int64)]
    offset = 0
    for part in parts:
        indptr.append(part.indptr[1:] + offset)
        offset += int(part.indptr[-1])
    weights = sparse.csr_matrix(
        (
            np.concatenate([p.values for p in parts]),
            np.concatenate(
                [np.asarray([column[t] for t in p.vocab], dtype=np.int64)[p.indices] for p in parts]
            ),
            np.concatenate(indptr),
        ),
        shape=(len(messages), len(vocab)),
    )
    weights.sort_indices()
    return Features(
        weights=weights,
        vocab=vocab,
        places=[pl for p in parts for pl in p.places],
        regions=[r for p in parts for r in p.regions],
    )


def _can_fork() -> bool:
    return (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()
