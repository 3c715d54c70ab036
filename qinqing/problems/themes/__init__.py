"""热点问题 (themes): recurring problems mined from a month of appeals, before anyone escalates.

Beijing's 接诉即办 calls the practice 「每月一题」: group the month's messages into themes
by *topic and place*, compare them with earlier months and propose the rising ones to the
office as candidate problems (主动治理、未诉先办). This module is pure Python: no Django, no
database, so ``qinqing problems themes --appeals A.csv`` runs anywhere.

How it works (every step is deterministic and independent of the input order: rows are
first put in the canonical order of their ids):

1. **Features.** The head of each message (title and the start of the body) is cut into
   words with jieba's dictionary (its compiled port jieba-rs, which cuts identically); stop
   words and boilerplate (「您好」「请问」「相关部门」…) are dropped. Place names are read
   from the title and the first ``PLACE_CHARS`` characters of the body with patterns
   (「××小区」「××路」「××村」「××学校」「××公司」…, and the anonymised region codes
   「A3区」「K8县」) and weigh twice a word (an area such as a town or a road 1.5 times).
   The region code of the row (``region_code``) is a feature too.
2. **TF-IDF** over these features (smoothed idf, L2-normalised rows).
3. **Candidate pairs** come only from *distinctive* features (document frequency at most
   ``max_df`` of the rows and at most ``MAX_POSTING``), computed as a sparse product
   *within each region* (two different region codes never join, so their rows are never
   multiplied together; rows naming no region meet every row). Two messages about the same concrete problem in the same place share such a
   feature (the estate's, road's or company's name); 「小区」 or 「物业」 alone do not make
   a pair. This keeps 100,000 messages to seconds
   (``bench/problems_themes.py``).
4. **Edges**: a candidate pair is linked when the full cosine similarity reaches
   ``threshold`` and the two places do not contradict each other (two different region
   codes never join).
5. **Clusters**: connected components of the graph, each re-cut with average-linkage
   agglomerative clustering (so that a chain A–B–C does not glue A and C when they have
   nothing in common).
6. **Explanations**: each theme's top terms are the highest weights of its centroid; its
   label names the place and the top terms; example messages are those nearest the
   centroid. All centroids come from one sparse product.
7. **Heat** ranks themes: size, growth against the months before (when the input spans
   several months), and spread across enterprises (distinct ``enterprise`` values when the
   input has that column) — see :func:`heat`.

From 10,000 rows on, the features are read in two forked processes.

The package: ``lexicon`` (stop words, endings of place names), ``text`` (reading rows,
words, places, regions, features), ``clusters`` (TF-IDF, candidate pairs, re-cut) and
``mining`` (explaining and ranking); the public names are re-exported here.
"""

from __future__ import annotations

from qinqing.problems.themes.clusters import (
    DEFAULT_LINKAGE,
    DEFAULT_THRESHOLD,
    MAX_POSTING,
    PLACE_BONUS,
    Clustering,
    candidate_edges,
    cluster,
    tfidf,
)
from qinqing.problems.themes.lexicon import (
    AREA_SUFFIXES,
    STOP_WORDS,
    STRONG_SUFFIXES,
    WEAK_SUFFIXES,
)
from qinqing.problems.themes.mining import (
    DEFAULT_MIN_SIZE,
    Theme,
    explain,
    heat,
    mine_themes,
    months_before,
    themes_json,
    top_terms,
)
from qinqing.problems.themes.text import (
    HEAD_CHARS,
    PARALLEL_FROM,
    PLACE_CHARS,
    Features,
    Message,
    canonical,
    features,
    places,
    read_csv,
    regions,
    words,
)

__all__ = [
    "AREA_SUFFIXES", "DEFAULT_LINKAGE", "DEFAULT_MIN_SIZE", "DEFAULT_THRESHOLD", "HEAD_CHARS",
    "MAX_POSTING", "PARALLEL_FROM", "PLACE_BONUS", "PLACE_CHARS", "STOP_WORDS",
    "STRONG_SUFFIXES", "WEAK_SUFFIXES", "Clustering", "Features", "Message", "Theme",
    "candidate_edges", "canonical", "cluster", "explain", "features", "heat", "mine_themes",
    "months_before", "places", "read_csv", "regions", "themes_json", "tfidf", "top_terms",
    "words",
]  # fmt: skip
