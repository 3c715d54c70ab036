"""Matching (政策匹配) on the stored registry: run the engine, store its results set-based,
explain one result on demand.

Speed decisions:

* the whole registry goes through the engine once (``registry_from_db`` → ``evaluate`` →
  ``find_near_misses``), vectorised; on PostgreSQL the columns come from one ``COPY … TO
  STDOUT`` stream parsed by Arrow (no Python object per enterprise), and results — sparse:
  eligible pairs and near misses only — go back with ``COPY … FROM STDIN``
  (``bulk_create`` in batches elsewhere);
* a near miss stores its one-line reason, computed once per distinct (item, failed
  condition) pair rather than per enterprise;
* the full explanation (every condition with the enterprise's value) is **not** stored: it
  is computed on demand for one enterprise (a one-row registry, a few milliseconds) with
  the rule version the result recorded. If the enterprise's registry data changed since
  the run, the page says so (the stored amount stays what the run decided).
"""

from __future__ import annotations

import hashlib
import io
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import pyarrow as pa
from django.db import transaction
from django.db.models import Max, Q, Sum

from qinqing.core import audit
from qinqing.core.enterprises.registry_io import Registry
from qinqing.core.enterprises.service import registry_from_db
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.policies.engine.evaluate import evaluate, find_near_misses
from qinqing.policies.engine.explain import PolicyExplanation, explain
from qinqing.policies.engine.spec import Policy as RulePolicy
from qinqing.policies.engine.spec import RuleSet, parse_policy, ruleset_from_texts
from qinqing.policies.models import MatchResult, MatchRun, Policy, PolicyRule

BULK_BATCH = 2000


def registry_digest(registry: Registry) -> str:
    """sha256 of the registry's content (the data snapshot a run or batch used).

    ``registry_from_db`` orders rows by credit code, so the same stored data always gives
    the same digest.
    """
    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    pacsv.write_csv(registry.table, buffer)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def stored_registry(queryset=None) -> Registry:
    return registry_from_db(queryset)


@lru_cache(maxsize=256)
def parse_rule(text: str, name: str = "规则") -> RulePolicy:
    """A stored rule version's parsed form (cached: versions never change)."""
    return parse_policy(text, name)


def active_rules(policies) -> list[PolicyRule]:
    return list(
        PolicyRule.objects.filter(policy__in=policies, active=True)
        .select_related("policy")
        .order_by("policy__code")
    )


def ruleset_for(rules: list[PolicyRule]) -> RuleSet:
    return ruleset_from_texts((f"{r.policy.code}.yaml", r.yaml_text) for r in rules)


def area_policies(area: Unit):
    return Policy.objects.filter(owner_unit__path__startswith=area.path)


@transaction.atomic
def run_matching(*, actor, year: int, area: Unit, now) -> MatchRun:
    """政策匹配: evaluate the area's active rules over the whole stored registry for ``year``.

    Replaces the previous results of the same policies and year as the current ones (the
    old rows stay, with the run and rule version they came from).
    """
    from qinqing.core.accounts.access import require_capability, visible_units

    require_capability(actor, "policies.manage")
    if not visible_units(actor).filter(pk=area.pk).exists():
        raise InvalidInput(f"“{area.name}”不在您所在地区，不能为它运行政策匹配。")
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"政策年度应为 2000—2100 之间的年份，现为 {year}。")
    rules = active_rules(area_policies(area))
    if not rules:
        raise InvalidInput(
            f"{area.name}还没有保存了规则的政策，无法匹配。请先在政策库中为政策编写规则。"
        )
    timings: dict[str, float] = {}
    started = time.perf_counter()
    ruleset = ruleset_for(rules)
    registry = stored_registry()
    if len(registry) == 0:
        raise InvalidInput("企业库中还没有企业，请先导入企业名录再运行政策匹配。")
    digest = registry_digest(registry)
    timings["load"] = round(time.perf_counter() - started, 3)
    mark = time.perf_counter()
    evaluation = evaluate(ruleset, registry, year)
    near_misses = find_near_misses(ruleset, registry, year, evaluation)
    timings["evaluate"] = round(time.perf_counter() - mark, 3)
    mark = time.perf_counter()

    by_code = {r.policy.code: r for r in rules}
    run = MatchRun.objects.create(
        year=year,
        area=area,
        registry_digest=digest,
        enterprise_count=len(registry),
        rule_refs=[f"{r.policy.code}@{r.version}" for r in rules],
        created_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    MatchResult.objects.filter(
        policy_id__in=[r.policy_id for r in rules], year=year, current=True
    ).update(current=False)
    uscc, names = registry.uscc, registry.arrow("name")
    eligible_count = near_count = 0
    total = 0

    def rows_of(result_rows):
        index = pa.array(result_rows)
        return uscc.take(index).to_pylist(), names.take(index).to_pylist()

    def result_rows():
        """(policy_id, rule_id, uscc, name, eligible, near_miss, amount, reason) tuples."""
        nonlocal eligible_count, near_count, total
        for result in evaluation.results:
            if not len(result.rows):
                continue
            rule = by_code[result.policy.id]
            codes, titles = rows_of(result.rows)
            eligible_count += len(codes)
            total += result.total
            for code, name, amount in zip(codes, titles, result.amounts.tolist(), strict=True):
                yield rule.policy_id, rule.pk, code, name[:200], True, False, amount, ""
        for near in near_misses:
            if not len(near.rows):
                continue
            rule = by_code[near.policy.id]
            codes, titles = rows_of(near.rows)
            keys = list(zip(near.items.tolist(), near.failed.tolist(), strict=True))
            reasons: dict[tuple[int, int], str] = {}
            for i, key in enumerate(keys):
                if key not in reasons:
                    reasons[key] = near.reason(i, year)[:500]
            near_count += len(codes)
            for code, name, key in zip(codes, titles, keys, strict=True):
                yield rule.policy_id, rule.pk, code, name[:200], False, True, 0, reasons[key]

    store_results(run, year, result_rows())
    timings["store"] = round(time.perf_counter() - mark, 3)
    run.eligible_count, run.near_miss_count = eligible_count, near_count
    run.total_amount = Decimal(total)
    run.timings = timings
    run.save(update_fields=["eligible_count", "near_miss_count", "total_amount", "timings"])
    audit.record(
        actor,
        "match_run.completed",
        run,
        after={
            "year": year,
            "rules": run.rule_refs,
            "enterprises": run.enterprise_count,
            "eligible": eligible_count,
            "near_misses": near_count,
            "total_amount": total,
            "registry_digest": digest,
        },
        unit=area,
        now=now,
    )
    return run


RESULT_COLUMNS = (
    "run_id", "year", "policy_id", "rule_id", "uscc", "enterprise_name", "eligible",
    "near_miss", "amount", "reason", "current",
)  # fmt: skip


def store_results(run: MatchRun, year: int, rows) -> None:
    """Insert the run's results set-based: ``COPY … FROM STDIN`` on PostgreSQL (one stream,
    no per-row statement), ``bulk_create`` in batches elsewhere."""
    from django.db import connection

    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(MatchResult._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in RESULT_COLUMNS)
        sql = f"COPY {table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for policy_id, rule_id, code, name, eligible, near, amount, reason in rows:
                row = (run.pk, year, policy_id, rule_id, code, name, eligible, near, amount)
                copy.write_row((*row, reason, True))
        return
    batch: list[MatchResult] = []
    for policy_id, rule_id, code, name, eligible, near, amount, reason in rows:
        batch.append(
            MatchResult(
                run=run,
                year=year,
                policy_id=policy_id,
                rule_id=rule_id,
                uscc=code,
                enterprise_name=name,
                eligible=eligible,
                near_miss=near,
                amount=Decimal(amount),
                reason=reason,
            )
        )
        if len(batch) >= BULK_BATCH:
            MatchResult.objects.bulk_create(batch)
            batch = []
    MatchResult.objects.bulk_create(batch)


@dataclass
class ResultExplanation:
    """The explanation of one stored result, computed now from the recorded rule version."""

    policy: PolicyExplanation | None
    data_changed: bool  # the registry row no longer gives the amount the run stored
    missing: bool  # the enterprise is no longer in the registry


def explain_result(result: MatchResult) -> ResultExplanation:
    """Every condition of the result's policy (at the recorded rule version) for the
    enterprise, with its current registry values."""
    from qinqing.core.enterprises.models import Enterprise

    rule = parse_rule(result.rule.yaml_text, f"{result.policy.code}.yaml")
    rows = Enterprise.objects.filter(uscc=result.uscc)
    if not rows.exists():
        return ResultExplanation(None, data_changed=True, missing=True)
    one = stored_registry(rows)
    explanation = explain([rule], one, result.year, row=0).policies[0]
    changed = Decimal(explanation.amount) != result.amount or (
        result.near_miss and not explanation.near_miss
    )
    return ResultExplanation(explanation, data_changed=changed, missing=False)


def policy_summary(policy: Policy) -> dict:
    """Counts of the current push list: eligible, near misses, total amount, last run."""
    qs = MatchResult.objects.filter(policy=policy, current=True)
    agg = qs.aggregate(
        total=Sum("amount", filter=Q(eligible=True)),
        run=Max("run_id"),
    )
    return {
        "eligible": qs.filter(eligible=True).count(),
        "near_miss": qs.filter(near_miss=True).count(),
        "total": agg["total"] or Decimal(0),
        "run_id": agg["run"],
    }
