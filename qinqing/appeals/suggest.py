"""派单建议与知识库 (dispatch suggestions and the knowledge base) on top of the router.

The router and the knowledge base are database-free (``qinqing.appeals.routing``,
``qinqing.appeals.knowledge``); this module loads the model file from the configured path,
maps its categories to a locality's units (``RoutingMapping``) and keeps the knowledge base
of each locality in memory, rebuilt when an article changes.

Model path: ``settings.QINQING_APPEALS_ROUTER_MODEL``, else the environment variable of the
same name, else ``var/appeals/router.npz``. Load only files your office trained.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max, Q

from qinqing.appeals.choices import AppealState
from qinqing.appeals.knowledge import KnowledgeBase
from qinqing.appeals.models import Appeal, KnowledgeArticle, RoutingMapping
from qinqing.appeals.routing import (
    load_router,
    message_text,
    save_router,
    train_from_records,
    units_from_label_scores,
)
from qinqing.core import audit
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit

log = logging.getLogger(__name__)
_lock = threading.Lock()
_router_cache: dict = {}
_kb_cache: dict = {}


def router_model_path() -> Path:
    configured = getattr(settings, "QINQING_APPEALS_ROUTER_MODEL", None) or os.environ.get(
        "QINQING_APPEALS_ROUTER_MODEL"
    )
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "appeals" / "router.npz"


def load_model():
    """The router in force, or ``None`` when no model has been trained yet."""
    path = router_model_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    with _lock:
        if _router_cache.get("key") == (str(path), stamp):
            return _router_cache["router"]
        router = load_router(path)
        _router_cache.update(key=(str(path), stamp), router=router)
        return router


def forget_model() -> None:
    with _lock:
        _router_cache.clear()


@dataclass(frozen=True)
class Suggestion:
    unit_id: int
    unit_name: str
    confidence: float
    labels: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "unit_id": self.unit_id,
            "unit": self.unit_name,
            "confidence": round(self.confidence, 4),
            "labels": list(self.labels),
        }


def unit_mapping(locality: Unit) -> dict[str, list[str]]:
    """Category → unit ids (as strings) for the locality, falling back to its parent areas."""
    node: Unit | None = locality
    while node is not None:
        rows = list(
            RoutingMapping.objects.filter(locality=node)
            .order_by("category", "sort_order")
            .values_list("category", "unit_id")
        )
        if rows:
            mapping: dict[str, list[str]] = {}
            for category, unit_id in rows:
                mapping.setdefault(category, []).append(str(unit_id))
            return mapping
        node = node.parent
    return {}


def suggest_for_appeals(appeals: list[Appeal], k: int = 3) -> dict[int, list[Suggestion]]:
    """Top-``k`` units for each appeal (one model pass for the whole list)."""
    router = load_model()
    if router is None or not appeals:
        return {a.pk: [] for a in appeals}
    ranked = router.route([message_text(a.title, a.content) for a in appeals], k=len(router.labels))
    mappings: dict[int, dict] = {}
    names = dict(Unit.objects.values_list("pk", "name"))
    out: dict[int, list[Suggestion]] = {}
    for appeal, scores in zip(appeals, ranked, strict=True):
        mapping = mappings.get(appeal.locality_id)
        if mapping is None:
            mapping = mappings[appeal.locality_id] = unit_mapping(appeal.locality)
        units = units_from_label_scores(scores, mapping, k)
        out[appeal.pk] = [
            Suggestion(int(u.unit), names.get(int(u.unit), "?"), u.confidence, u.labels)
            for u in units
        ]
    return out


def top_category(appeal: Appeal) -> tuple[str, float] | None:
    router = load_model()
    if router is None:
        return None
    best = router.top_labels(message_text(appeal.title, appeal.content), k=1)[0]
    return best.label, best.confidence


def knowledge_base(locality: Unit):
    """The locality's knowledge base (active articles of the locality and its parents)."""
    paths = [locality.path[: i + 1] for i, ch in enumerate(locality.path) if ch == "/" and i > 0]
    articles = KnowledgeArticle.objects.filter(active=True, locality__path__in=paths)
    stamp = articles.aggregate(n=Count("pk"), latest=Max("updated_at"))
    key = (locality.pk, stamp["n"], stamp["latest"])
    with _lock:
        cached = _kb_cache.get(locality.pk)
        if cached and cached[0] == key:
            return cached[1], cached[2]
    rows = list(articles.order_by("pk").values_list("pk", "question", "answer"))
    kb = KnowledgeBase.from_pairs((q, a) for _, q, a in rows)
    ids = [pk for pk, _, _ in rows]
    with _lock:
        _kb_cache[locality.pk] = (key, kb, ids)
    return kb, ids


def knowledge_match(appeal: Appeal, min_score: float):
    """The article that answers this appeal, as ``(article, score)``, or ``None``."""
    kb, ids = knowledge_base(appeal.locality)
    if not len(kb):
        return None
    match = kb.best(message_text(appeal.title, appeal.content), min_score)
    if match is None:
        return None
    article = KnowledgeArticle.objects.filter(pk=ids[match.index]).first()
    return (article, match.score) if article else None


def retrain_router(locality: Unit, out, *, actor, now):
    """Retrain the router from the locality's own closed appeals (their final categories)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise InvalidInput(f"模型保存目录“{out.parent}”不存在，请先创建该目录或换一个保存路径。")
    closed = (
        Appeal.objects.filter(
            locality__path__startswith=locality.path,
            state__in=[AppealState.CLOSED, AppealState.ANSWERED],
        )
        .exclude(Q(category="") | Q(category__isnull=True))
        .values_list("title", "content", "category")
    )
    router = train_from_records(
        (
            (message_text(title, content), category)
            for title, content, category in closed.iterator()
        ),
        metadata={
            "source": f"{locality.name}已办结诉求",
            "trained_at": now.isoformat(timespec="seconds"),
        },
    )
    save_router(router, out)
    forget_model()
    audit.record(
        actor,
        "router.retrained",
        ("appeals.router", out.name[:64], f"诉求分类模型 {out}"),
        after={"messages": router.metadata["messages"], "labels": list(router.labels)},
        now=now,
    )
    return router
