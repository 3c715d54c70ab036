"""Grouping messages: TF-IDF rows, candidate pairs blocked by region, linkage re-cut."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from qinqing.problems.themes.lexicon import AREA_SUFFIXES
from qinqing.problems.themes.text import Features, Message, features

DEFAULT_THRESHOLD = 0.40
DEFAULT_LINKAGE = 0.30
PLACE_BONUS = 0.10  # two messages naming the same distinctive spot
MAX_POSTING = 400  # a feature shared by more rows than this is not distinctive
DENSE_RECUT = 3000  # a component larger than this is first cut at a stricter similarity
STRICT_SIMILARITY = 0.5
PAIR_BATCH = 200_000
ROW_CHUNK = 2000

Edge = tuple[int, int, float]


@dataclass
class Clustering:
    """The groups (lists of row indexes, canonical order) and what explains them."""

    groups: list[list[int]]
    matrix: sparse.csr_matrix
    vocab: list[str]
    features: Features


def tfidf(feats: Features) -> tuple[sparse.csr_matrix, list[str], np.ndarray]:
    """(matrix, vocabulary, document frequencies): L2-normalised TF-IDF rows (scipy CSR).

    Smoothed idf; a place named by one message only is dropped (it links nothing and would
    only dilute a long letter).
    """
    matrix, vocab = feats.weights, feats.vocab
    n = matrix.shape[0]
    df = np.bincount(matrix.indices, minlength=len(vocab))
    is_place = np.fromiter((t.startswith("p:") for t in vocab), dtype=bool, count=len(vocab))
    lonely = is_place & (df == 1)
    if lonely.any():
        matrix = matrix @ sparse.diags((~lonely).astype(np.float32))
        matrix.eliminate_zeros()
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    matrix = matrix @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix = sparse.diags((1.0 / norms).astype(np.float32)) @ matrix
    return matrix.tocsr(), vocab, df


def _region_conflict(a: set[str], b: set[str]) -> bool:
    return bool(a) and bool(b) and not (a & b)


def _is_spot(term: str) -> bool:
    """A place small enough that two messages naming it are about the same spot: an estate,
    a village, a school, a company — not a town, a street or a road, which are areas.

    Examples:
        >>> _is_spot("p:恒大城幼儿园"), _is_spot("p:黄花镇"), _is_spot("p:时代阳光大道")
        (True, False, False)
    """
    return term.startswith("p:") and not term.endswith(AREA_SUFFIXES)


def _columns(matrix: sparse.csr_matrix, keep: np.ndarray) -> sparse.csr_matrix:
    """The matrix with only the columns flagged in ``keep`` (the others zeroed)."""
    kept = (matrix @ sparse.diags(keep.astype(np.float32))).tocsr()
    kept.eliminate_zeros()
    return kept


def _single_regions(region_sets: Sequence[set[str]]) -> np.ndarray:
    """One number per row: its region (0, 1, …), -1 when it names none, -2 when several."""
    ids: dict[str, int] = {}
    out = np.empty(len(region_sets), dtype=np.int64)
    for row, regions_ in enumerate(region_sets):
        if not regions_:
            out[row] = -1
        elif len(regions_) > 1:
            out[row] = -2
        else:
            (code,) = regions_
            out[row] = ids.setdefault(code, len(ids))
    return out


def _block_pairs(pruned: sparse.csr_matrix, single: np.ndarray) -> Iterable[np.ndarray]:
    """Row pairs sharing a distinctive feature, block by block: 3 × k arrays of (i, j, the
    dot product over the distinctive features), i < j.

    Two rows of different single regions never pair, so each region's rows are only
    multiplied with each other; rows naming no region, or several, meet every row.
    """
    loose = np.flatnonzero(single < 0)
    for region in np.unique(single[single >= 0]):
        block = np.flatnonzero(single == region)
        sub = pruned[block]
        sub_t = sub.T.tocsr()
        for start in range(0, block.size, ROW_CHUNK):
            product = (sub[start : start + ROW_CHUNK] @ sub_t).tocoo()
            rows, cols = block[product.row + start], block[product.col]
            upper = cols > rows
            yield np.vstack([rows[upper], cols[upper], product.data[upper]])
    pruned_t = pruned.T.tocsr() if loose.size else None
    for start in range(0, loose.size, ROW_CHUNK):
        part = loose[start : start + ROW_CHUNK]
        product = (pruned[part] @ pruned_t).tocoo()
        rows, cols = part[product.row], product.col
        # a pair of two loose rows is met twice: keep it once
        keep = (cols != rows) & ((single[cols] >= 0) | (cols > rows))
        rows, cols = rows[keep], cols[keep]
        yield np.vstack([np.minimum(rows, cols), np.maximum(rows, cols), product.data[keep]])


def candidate_edges(
    matrix: sparse.csr_matrix,
    df: np.ndarray,
    vocab: list[str],
    region_sets: Sequence[set[str]],
    *,
    threshold: float,
    max_df: float,
) -> tuple[list[Edge], sparse.csr_matrix | None]:
    """Pairs (i, j, score), i < j, that share a distinctive feature and are similar.

    ``score`` is the cosine similarity, plus ``PLACE_BONUS`` when the two messages name the
    same distinctive place (the same estate, village or company).
    """
    n = matrix.shape[0]
    cap = min(MAX_POSTING, max(50, int(max_df * n)))
    # region features join only through the words and places around them
    is_region = np.fromiter((t.startswith("r:") for t in vocab), dtype=bool, count=len(vocab))
    distinctive = (df >= 2) & (df <= cap) & ~is_region
    if not distinctive.any():
        return [], None
    pruned = _columns(matrix, distinctive)
    is_spot = np.fromiter((_is_spot(t) for t in vocab), dtype=bool, count=len(vocab))
    place_rows = _columns(matrix, distinctive & is_spot)
    place_rows.data[:] = 1.0
    single = _single_regions(region_sets)
    several = single == -2
    edges: list[Edge] = []
    # Rows are unit vectors, so the part of a row outside the distinctive features has norm
    # sqrt(1 - |distinctive part|²); by Cauchy-Schwarz two rows' similarity is at most their
    # distinctive dot product plus the product of those norms. Pairs below the threshold
    # even then are dropped before the exact similarity is computed.
    squares = np.asarray(pruned.multiply(pruned).sum(axis=1)).ravel()
    rest = np.sqrt(np.clip(1.0 - squares, 0.0, None))
    for found in _block_pairs(pruned, single):
        rows, cols = found[0].astype(np.int64), found[1].astype(np.int64)
        bound = found[2] + rest[rows] * rest[cols] + PLACE_BONUS
        hopeful = bound >= threshold - 1e-4
        rows, cols = rows[hopeful], cols[hopeful]
        for b in range(0, rows.size, PAIR_BATCH):
            r, c = rows[b : b + PAIR_BATCH], cols[b : b + PAIR_BATCH]
            sims = np.asarray(matrix[r].multiply(matrix[c]).sum(axis=1)).ravel()
            shared = np.asarray(place_rows[r].multiply(place_rows[c]).sum(axis=1)).ravel() > 0
            scores = sims + PLACE_BONUS * shared
            ok = scores >= threshold
            for i, j, s in zip(r[ok].tolist(), c[ok].tolist(), scores[ok].tolist(), strict=True):
                if (several[i] or several[j]) and _region_conflict(region_sets[i], region_sets[j]):
                    continue
                edges.append((i, j, s))
    return edges, place_rows


def _components(n: int, edges: Iterable[Edge]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in edges:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    return [g for g in groups.values() if len(g) > 1]


def _conflicts(sets: Sequence[set[str]]) -> np.ndarray:
    """Boolean matrix: True where two members name regions and none in common."""
    codes = sorted({r for s in sets for r in s})
    if len(codes) < 2:
        return np.zeros((len(sets), len(sets)), dtype=bool)
    index = {c: i for i, c in enumerate(codes)}
    member_regions = np.zeros((len(sets), len(codes)), dtype=np.float32)
    for row, regions_ in enumerate(sets):
        for r in regions_:
            member_regions[row, index[r]] = 1.0
    overlap = (member_regions @ member_regions.T) > 0
    named = member_regions.sum(axis=1) > 0
    return named[:, None] & named[None, :] & ~overlap


def _recut(
    members: list[int],
    matrix: sparse.csr_matrix,
    region_sets: Sequence[set[str]],
    linkage_sim: float,
    place_rows: sparse.csr_matrix | None = None,
    rows: tuple[sparse.csr_matrix, sparse.csr_matrix | None] | None = None,
) -> list[list[int]]:
    """Average-linkage re-cut of one component (members in canonical order), so that a
    chain A–B–C does not glue A and C when they have nothing in common.

    ``rows``: the members' rows of ``matrix`` and ``place_rows`` when the caller has them.
    """
    if len(members) == 2:
        return [members]
    if len(members) > DENSE_RECUT:  # too big to cut densely: tighten the edges first
        return _split_large(members, matrix, region_sets, linkage_sim, place_rows)
    sub, psub = rows if rows is not None else (matrix[members], None)
    sims = (sub @ sub.T).toarray().astype(np.float64)
    if place_rows is not None:
        psub = psub if psub is not None else place_rows[members]
        sims += PLACE_BONUS * ((psub @ psub.T).toarray() > 0)
    sims[_conflicts([region_sets[m] for m in members])] = 0.0
    dist = np.clip(1.0 - sims, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - linkage_sim, criterion="distance")
    groups: dict[int, list[int]] = defaultdict(list)
    for member, label in zip(members, labels, strict=True):
        groups[int(label)].append(member)
    return [sorted(g) for g in groups.values() if len(g) > 1]


def _split_large(
    members: list[int],
    matrix: sparse.csr_matrix,
    region_sets: Sequence[set[str]],
    linkage_sim: float,
    place_rows: sparse.csr_matrix | None,
) -> list[list[int]]:
    sims = (matrix[members] @ matrix[members].T).tocoo()
    strict = [
        (int(i), int(j), float(s))
        for i, j, s in zip(sims.row, sims.col, sims.data, strict=True)
        if i < j and s >= STRICT_SIMILARITY
    ]
    out = []
    for group in _components(len(members), strict):
        mapped = [members[k] for k in group]
        if len(mapped) > DENSE_RECUT:
            out.append(mapped)  # a flood of near-identical messages stays one theme
        else:
            out.extend(_recut(mapped, matrix, region_sets, linkage_sim, place_rows))
    return out


def _split_by_region(
    group: list[int], matrix: sparse.csr_matrix, region_sets: Sequence[set[str]]
) -> list[list[int]]:
    """One theme is one place: members naming different regions go to different themes;
    members naming none join the part they are most similar to."""
    keyed: dict[frozenset[str], list[int]] = {}
    loose = []
    for i in group:
        regions_i = region_sets[i]
        if not regions_i:
            loose.append(i)
            continue
        home = next((k for k in keyed if k & regions_i), None)
        if home is None:
            keyed[frozenset(regions_i)] = [i]
        else:
            keyed[home].append(i)
    if len(keyed) <= 1:
        return [group]
    parts = list(keyed.values())
    for i in loose:
        scores = [float(np.asarray((matrix[p] @ matrix[i].T).todense()).mean()) for p in parts]
        best = max(range(len(parts)), key=lambda k: (round(scores[k], 6), -parts[k][0]))
        parts[best].append(i)
    return [sorted(p) for p in parts if len(p) > 1]


def _recut_all(
    components: list[list[int]],
    edges: list[Edge],
    matrix: sparse.csr_matrix,
    place_rows: sparse.csr_matrix | None,
    region_sets: Sequence[set[str]],
    linkage_sim: float,
) -> list[list[int]]:
    """Every component re-cut (see :func:`_recut`).

    A component whose members are all linked to each other stays whole: every pair is at
    least ``threshold`` similar, above the linkage cut, so the re-cut could not split it.
    The others' rows are gathered once, in component order, and sliced.
    """
    label = np.full(matrix.shape[0], -1, dtype=np.int64)
    for k, component in enumerate(components):
        label[component] = k
    firsts = np.fromiter((e[0] for e in edges), dtype=np.int64, count=len(edges))
    links = np.bincount(label[firsts], minlength=len(components))
    loose = [k for k, c in enumerate(components) if links[k] < len(c) * (len(c) - 1) // 2]
    order = np.fromiter((i for k in loose for i in components[k]), dtype=np.int64)
    rows = matrix[order] if order.size else matrix[:0]
    places = place_rows[order] if place_rows is not None and order.size else None
    out: list[list[int]] = []
    start = 0
    cut = dict.fromkeys(loose, True)
    for k, component in enumerate(components):
        if k not in cut:
            out.append(component)
            continue
        stop = start + len(component)
        sub = (rows[start:stop], places[start:stop] if places is not None else None)
        out.extend(_recut(component, matrix, region_sets, linkage_sim, place_rows, sub))
        start = stop
    return out


def cluster(
    messages: Sequence[Message],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    linkage_sim: float = DEFAULT_LINKAGE,
    max_df: float = 0.02,
) -> Clustering:
    """The groups of ``messages`` (canonical order), with the matrix and vocabulary."""
    feats = features(messages)
    matrix, vocab, df = tfidf(feats)
    region_sets = feats.regions
    edges, place_rows = candidate_edges(
        matrix, df, vocab, region_sets, threshold=threshold, max_df=max_df
    )
    groups = []
    for group in _recut_all(_components(len(messages), edges), edges, matrix, place_rows,
                            region_sets, linkage_sim):  # fmt: skip
        groups.extend(_split_by_region(group, matrix, region_sets))
    groups.sort(key=lambda g: g[0])
    return Clustering(groups=groups, matrix=matrix, vocab=vocab, features=feats)
