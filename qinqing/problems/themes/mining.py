"""Explaining and ranking the groups: top terms, labels, examples, growth and heat."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from qinqing.problems.themes.clusters import DEFAULT_THRESHOLD, Clustering, cluster
from qinqing.problems.themes.text import Message, canonical

DEFAULT_MIN_SIZE = 2
TOP_TERMS = 6
EXAMPLES = 3
_REGION_LIKE = re.compile(r"[A-Z]\d{0,2}")


@dataclass
class Theme:
    label: str
    ids: list[str]
    top_terms: list[str]
    months: list[str]
    places: list[str] = field(default_factory=list)
    examples: list[dict[str, str]] = field(default_factory=list)
    size: int = 0
    growth: float = 0.0
    previous: int = 0
    enterprises: int = 0
    heat: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "ids": self.ids,
            "top_terms": self.top_terms,
            "months": self.months,
            "places": self.places,
            "examples": self.examples,
            "size": self.size,
            "previous": self.previous,
            "growth": round(self.growth, 3),
            "enterprises": self.enterprises,
            "heat": round(self.heat, 3),
        }


def _display(term: str) -> str:
    return term.split(":", 1)[1]


def _terms_of_row(cols: np.ndarray, values: np.ndarray, vocab: list[str], k: int) -> list[str]:
    order = np.lexsort((cols, -np.round(values.astype(np.float64), 6)))
    out: list[str] = []
    for idx in cols[order].tolist():
        if len(out) >= k:
            break
        term = vocab[idx]
        if term.startswith("r:"):
            continue
        shown = _display(term)
        if _REGION_LIKE.fullmatch(shown) or any(shown in o or o in shown for o in out):
            continue
        out.append(shown)
    return out


def top_terms(
    members: list[int], matrix: sparse.csr_matrix, vocab: list[str], k: int = TOP_TERMS
) -> list[str]:
    """The features with the highest weight in the theme's centroid (regions excluded)."""
    summed = sparse.csr_matrix(matrix[members].sum(axis=0))
    return _terms_of_row(summed.indices, summed.data, vocab, k)


def _membership(groups: Sequence[list[int]], n: int) -> sparse.csr_matrix:
    """Groups × rows, 1 where a row belongs to a group."""
    rows = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    cols = np.fromiter((i for g in groups for i in g), dtype=np.int64, count=rows.size)
    data = np.ones(rows.size, dtype=np.float32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(groups), n))


def explain(
    groups: Sequence[list[int]], matrix: sparse.csr_matrix, vocab: list[str]
) -> tuple[list[list[str]], list[list[int]]]:
    """Top terms of every group and its members nearest the centroid (positions in the
    group, closest first), computed for all groups at once."""
    if not groups:
        return [], []
    member = _membership(groups, matrix.shape[0])
    sums = (member @ matrix).tocsr()
    sums.sort_indices()
    terms = [
        _terms_of_row(
            sums.indices[sums.indptr[g] : sums.indptr[g + 1]],
            sums.data[sums.indptr[g] : sums.indptr[g + 1]],
            vocab,
            TOP_TERMS,
        )
        for g in range(len(groups))
    ]
    sizes = np.array([len(g) for g in groups], dtype=np.float32)
    centroids = (sparse.diags(1.0 / sizes) @ sums).tocsr()
    flat = np.fromiter((i for g in groups for i in g), dtype=np.int64)
    owner = np.repeat(np.arange(len(groups)), sizes.astype(np.int64))
    closeness = np.asarray(matrix[flat].multiply(centroids[owner]).sum(axis=1)).ravel()
    nearest = []
    start = 0
    for g in groups:
        near = closeness[start : start + len(g)]
        order = sorted(range(len(g)), key=lambda k: (-round(float(near[k]), 6), k))
        nearest.append(order[:EXAMPLES])
        start += len(g)
    return terms, nearest


def heat(size: int, growth: float, enterprises: int) -> float:
    """How hot a theme is: size, growth against the months before, spread across enterprises.

    ``heat = size × (1 + min(growth, 5)) × (1 + ln(enterprises))``, where ``growth`` is the
    rise over the monthly average of the earlier months (0 when there is nothing earlier to
    compare or the theme shrank): a theme of 12 messages that doubled, or that came from 12
    enterprises, outranks a steady one of 12 messages from one enterprise.

    Examples:
        >>> heat(10, 0.0, 1)
        10.0
        >>> heat(10, 0.0, 1) < heat(10, 1.0, 1) < heat(10, 1.0, 5)
        True
    """
    return size * (1.0 + min(growth, 5.0)) * (1.0 + math.log(max(enterprises, 1)))


def _growth(size: int, previous: float) -> float:
    if previous <= 0:
        return 0.0
    return max(0.0, (size - previous) / previous)


def mine_themes(
    messages: Iterable[Message],
    *,
    month: str | None = None,
    min_size: int = DEFAULT_MIN_SIZE,
    threshold: float = DEFAULT_THRESHOLD,
    compare_months: int = 3,
) -> list[Theme]:
    """The themes of ``month`` (or of every row), hottest first.

    With ``month``, the rows of the ``compare_months`` months before it are matched to the
    themes to measure growth; they are not members.
    """
    every = canonical(messages)
    earlier_months: list[str] = []
    if month:
        current = [m for m in every if m.month == month]
        earlier_months = months_before(month, compare_months)
        earlier = [m for m in every if m.month in earlier_months]
    else:
        current, earlier = every, []
    if len(current) < 2:
        return []
    rows = current + earlier
    found = cluster(rows, threshold=threshold)
    n_current = len(current)
    kept = [g for g in found.groups if sum(1 for i in g if i < n_current) >= min_size]
    members_of = [[i for i in g if i < n_current] for g in kept]
    terms, nearest = explain(members_of, found.matrix, found.vocab)
    themes = [
        _theme(rows, group, members, n_current, found, terms[k], nearest[k], month, earlier_months)
        for k, (group, members) in enumerate(zip(kept, members_of, strict=True))
    ]
    themes.sort(key=lambda t: (-round(t.heat, 6), -t.size, t.ids[0]))
    return themes


def _theme(
    rows: list[Message],
    group: list[int],
    members: list[int],
    n_current: int,
    found: Clustering,
    terms: list[str],
    nearest: list[int],
    month: str | None,
    earlier_months: list[str],
) -> Theme:
    before = [i for i in group if i >= n_current]
    msgs = [rows[i] for i in members]
    size = len(members)
    previous = len(before) / max(len(earlier_months), 1) if earlier_months else 0.0
    month_counts = Counter(m.month for m in msgs if m.month)
    if not month and len(month_counts) > 1:
        months_sorted = sorted(month_counts)
        latest = month_counts[months_sorted[-1]]
        prior = sum(month_counts[x] for x in months_sorted[:-1]) / (len(months_sorted) - 1)
        growth = _growth(latest, prior)
    else:
        growth = _growth(size, previous)
    enterprises = len({m.enterprise for m in msgs if m.enterprise}) or 1
    examples = [{"id": msgs[k].id, "title": (msgs[k].title or msgs[k].body)[:60]} for k in nearest]
    place_counts = Counter(p for i in members for p in set(found.features.places[i]))
    shared_places = [p for p, c in place_counts.most_common() if c >= 2][:3]
    region_counts = Counter(r for i in members for r in found.features.regions[i])
    region = region_counts.most_common(1)[0][0] if region_counts else ""
    return Theme(
        label=_label(region, shared_places, terms),
        ids=[m.id for m in msgs],
        top_terms=terms,
        months=sorted(set(month_counts) | {rows[i].month for i in before if rows[i].month}),
        places=shared_places,
        examples=examples,
        size=size,
        growth=growth,
        previous=len(before),
        enterprises=enterprises,
        heat=heat(size, growth, enterprises),
    )


def _label(region: str, shared_places: list[str], terms: list[str]) -> str:
    place = shared_places[0] if shared_places else ""
    topic = [t for t in terms if t != place and t not in place and place not in t][:3]
    head = "".join(x for x in (region and f"{region}", place) if x)
    return f"{head}：{'、'.join(topic)}" if head else "、".join(topic)


def months_before(month: str, count: int) -> list[str]:
    """
    Examples:
        >>> months_before("2025-02", 3)
        ['2024-11', '2024-12', '2025-01']
    """
    year, mon = int(month[:4]), int(month[5:7])
    out = []
    for _ in range(count):
        mon -= 1
        if mon == 0:
            year, mon = year - 1, 12
        out.append(f"{year:04d}-{mon:02d}")
    return sorted(out)


def themes_json(themes: list[Theme]) -> dict[str, Any]:
    return {"themes": [t.as_dict() for t in themes]}
