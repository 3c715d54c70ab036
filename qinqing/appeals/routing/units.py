"""From router categories to a locality's units (派单建议).

A locality maps each router category (a domain such as 城乡建设) to one or more of its
units. A unit's confidence is the probability that the appeal belongs to any of the
categories it handles; the Django layer stores the mapping and the dispatch threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qinqing.appeals.routing.model import LabelScore, Router

UnitMapping = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class UnitSuggestion:
    """A suggested unit, its confidence in [0, 1] and the categories that led to it."""

    unit: str
    confidence: float
    labels: tuple[str, ...]


def _units_of(mapping: UnitMapping, label: str) -> tuple[str, ...]:
    units = mapping.get(label, ())
    return (units,) if isinstance(units, str) else tuple(units)


def units_from_label_scores(
    scores: Sequence[LabelScore], mapping: UnitMapping, k: int = 3
) -> list[UnitSuggestion]:
    """Rank units by the summed confidence of the categories mapped to them.

    Categories without a unit are skipped; a unit named for several categories collects
    their confidences; ties keep the order of the best category.

    Examples:
        >>> scores = [LabelScore("城乡建设", 0.6), LabelScore("商贸旅游", 0.3), LabelScore("交通运输", 0.1)]
        >>> mapping = {"城乡建设": "市住建局", "商贸旅游": ["市商务局", "市住建局"], "交通运输": "市交通局"}
        >>> [(s.unit, round(s.confidence, 2)) for s in units_from_label_scores(scores, mapping)]
        [('市住建局', 0.9), ('市商务局', 0.3), ('市交通局', 0.1)]
        >>> units_from_label_scores(scores, {}, k=3)
        []
    """
    totals: dict[str, float] = {}
    via: dict[str, list[str]] = {}
    for score in sorted(scores, key=lambda s: -s.confidence):
        for unit in _units_of(mapping, score.label):
            if score.label in via.get(unit, []):
                continue
            totals[unit] = totals.get(unit, 0.0) + score.confidence
            via.setdefault(unit, []).append(score.label)
    ranked = sorted(totals, key=lambda unit: -totals[unit])  # stable: first seen wins ties
    return [UnitSuggestion(unit, min(1.0, totals[unit]), tuple(via[unit])) for unit in ranked[:k]]


def suggest_units(
    text: str, model: Router, mapping: UnitMapping, k: int = 3
) -> list[UnitSuggestion]:
    """The ``k`` units most likely to handle ``text`` (``title + " " + body``)."""
    return units_from_label_scores(model.top_labels(text, k=len(model.labels)), mapping, k)


def unit_mapping_problems(mapping: UnitMapping, labels: Sequence[str]) -> list[str]:
    """What is wrong with a locality's mapping, in Chinese, for the settings form.

    Examples:
        >>> unit_mapping_problems({"城乡建设": "市住建局", "其他": "市政府办"}, ["城乡建设", "交通运输"])
        ['类别“交通运输”没有对应的承办单位，这类诉求将无法给出派单建议。', '类别“其他”不是分类模型中的类别，该行设置不会生效。']
    """
    problems = [
        f"类别“{label}”没有对应的承办单位，这类诉求将无法给出派单建议。"
        for label in labels
        if not any(unit.strip() for unit in _units_of(mapping, label))
    ]
    problems += [
        f"类别“{label}”不是分类模型中的类别，该行设置不会生效。"
        for label in mapping
        if label not in labels
    ]
    return problems
