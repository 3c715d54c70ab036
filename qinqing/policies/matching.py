"""Matching (政策匹配) on the stored registry: run the engine, store its results set-based,
explain one result on demand.

Speed decisions:

* the whole registry goes through the engine once (``registry_from_db`` →
  ``evaluate_with_near_misses``: evaluation and reachable near misses over one condition
  cache), vectorised; on PostgreSQL the columns come from one ``COPY … TO
  STDOUT`` stream parsed by Arrow (no Python object per enterprise), and results — sparse:
  eligible pairs and near misses only, each referring to its enterprise by id, in
  enterprise-id order — go back as a partition of
  their own per run, written by binary ``COPY`` from Arrow and indexed after the load
  (``result_store``; a full run drops the partitions it replaces instead of deleting
  rows), with ``bulk_create`` in batches elsewhere;
* a near miss stores its one-line reason, computed once per distinct (item, failed
  condition) pair rather than per enterprise;
* the full explanation (every condition with the enterprise's value) is **not** stored: it
  is computed on demand for one enterprise (a one-row registry, a few milliseconds) with
  the rule version the result recorded. If the enterprise's registry data changed since
  the run, the page says so (the stored amount stays what the run decided).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
from django.db import transaction
from django.db.models import Count, Max, Q, Sum

from qinqing.core import audit
from qinqing.core.enterprises.registry_io import Registry
from qinqing.core.enterprises.service import registry_from_db
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.policies import result_store
from qinqing.policies.engine.explain import PolicyExplanation, explain
from qinqing.policies.engine.one_pass import evaluate_with_near_misses, find_reachable_near_misses
from qinqing.policies.engine.spec import Policy as RulePolicy
from qinqing.policies.engine.spec import RuleSet, parse_policy, ruleset_from_texts
from qinqing.policies.models import MatchMode, MatchResult, MatchRun, Policy, PolicyRule

BULK_BATCH = 2000


def registry_digest(registry: Registry) -> str:
    """sha256 of the registry's content (the data snapshot a run or batch used).

    ``registry_from_db`` orders rows by credit code, so the same stored data always gives
    the same digest.
    """
    import pyarrow.csv as pacsv

    sink = pa.BufferOutputStream()  # written in C++, hashed without a copy
    pacsv.write_csv(registry.table, sink)
    return hashlib.sha256(sink.getvalue()).hexdigest()


def stored_registry(queryset=None) -> Registry:
    return registry_from_db(queryset)


def enterprise_ids(registry: Registry, queryset=None) -> np.ndarray:
    """The stored id of each of ``registry``'s enterprises (by credit code, in the
    registry's order): what a result row refers to. ``queryset`` is the one the registry
    was read from (None: the whole registry). On PostgreSQL one ``COPY`` of (code, id)
    parsed by Arrow, no Python object per enterprise."""
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    from django.db import connections

    from qinqing.core.enterprises.models import Enterprise

    qs = (queryset if queryset is not None else Enterprise.objects.all()).order_by()
    connection = connections[qs.db]
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        where, params = "", ()
        if qs.query.where:
            pk_sql, params = qs.values("pk").query.get_compiler(qs.db).as_sql()
            where = f" WHERE id IN ({pk_sql})"
        sql = (
            f"COPY (SELECT uscc, id FROM {quote(Enterprise._meta.db_table)}{where})"  # noqa: S608
            " TO STDOUT (FORMAT csv)"
        )
        buffer = io.BytesIO()
        with connection.cursor() as cursor, cursor.cursor.copy(sql, params) as copy:
            for chunk in copy:
                buffer.write(chunk)
        stored = pacsv.read_csv(
            pa.BufferReader(buffer.getvalue()),
            read_options=pacsv.ReadOptions(column_names=["uscc", "id"]),
            convert_options=pacsv.ConvertOptions(
                column_types={"uscc": pa.string(), "id": pa.int64()}
            ),
        )
    else:
        codes, pks = zip(*qs.values_list("uscc", "pk"), strict=True) if qs.exists() else ((), ())
        stored = pa.table({"uscc": pa.array(codes, pa.string()), "id": pa.array(pks, pa.int64())})
    where = pc.index_in(registry.uscc, value_set=stored.column("uscc").combine_chunks())
    if where.null_count:
        raise InvalidInput("企业库在本次匹配期间有企业被删除，请重新运行政策匹配。")
    ids = stored.column("id").combine_chunks().to_numpy()
    return ids[where.to_numpy(zero_copy_only=False).astype(np.int64)]


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


NEAR_MISS_CAP = 2000  # near misses listed (stored) per policy and run; all are counted


def registry_state() -> tuple[dt.datetime | None, int, int]:
    """(latest ``updated_at``, highest id, row count) of the stored registry: the mark a
    run records, so the next one re-reads only rows changed after it."""
    from qinqing.core.enterprises.models import Enterprise

    agg = Enterprise.objects.aggregate(mark=Max("updated_at"), top=Max("pk"), n=Count("pk"))
    return agg["mark"], agg["top"] or 0, agg["n"]


def changed_since(run: MatchRun):
    """The enterprises changed (imported, edited or added) since ``run`` read the registry,
    or None when rows were deleted since (only a full run can drop their results)."""
    from qinqing.core.enterprises.models import Enterprise

    if run.registry_mark is None:
        return None
    added = Enterprise.objects.filter(pk__gt=run.registry_max_id).count()
    if Enterprise.objects.count() != run.enterprise_count + added:
        return None
    return Enterprise.objects.filter(updated_at__gt=run.registry_mark)


def registry_changed_since(run: MatchRun) -> bool:
    """Whether the stored registry differs from what ``run``'s results describe."""
    changed = changed_since(run)
    if changed is None:
        return run.registry_mark is not None or registry_digest(stored_registry()) != (
            run.registry_digest
        )
    return changed.exists()


def incremental_base(area: Unit, year: int, refs: list[str]) -> MatchRun | None:
    """The run an incremental run may build on: the latest run of the area and year, with
    exactly the same rule versions, and no later run (of any area) touching its policies.
    Any rule change therefore forces a full run."""
    base = MatchRun.objects.filter(area=area, year=year).order_by("-pk").first()
    if base is None or sorted(base.rule_refs) != sorted(refs) or not base.policy_counts:
        return None
    codes = {ref.rsplit("@", 1)[0] for ref in refs}
    for later in MatchRun.objects.filter(year=year, pk__gt=base.pk).only("rule_refs"):
        if codes & {ref.rsplit("@", 1)[0] for ref in later.rule_refs}:
            return None
    return base


def run_matching(*, actor, year: int, area: Unit, now, full: bool = False) -> MatchRun:
    """政策匹配: evaluate the area's active rules over the stored registry for ``year``.

    When the rule versions are those of the area's last run, only the enterprises changed
    since then are re-evaluated and only their results replaced (incremental); otherwise
    (or with ``full``) the whole registry is, and the policies' previous results are
    replaced. Replaced rows are deleted, except those an enterprise gave feedback on
    (kept, no longer current); the runs' counts and the audit trail keep the history.
    """
    from qinqing.core.accounts.access import require_capability, visible_units

    require_capability(actor, "policies.manage")
    if not visible_units(actor).filter(pk=area.pk).exists():
        raise InvalidInput(f"“{area.name}”不在您所在地区，不能为它运行政策匹配。")
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"政策年度应为 2000—2100 之间的年份，现为 {year}。")
    return match_area(actor=actor, year=year, area=area, now=now, full=full)


def match_area(*, actor, year: int, area: Unit, now, full: bool = False) -> MatchRun:
    """The run itself, for a caller whose access :func:`run_matching` checked (and the
    benchmark); ``actor`` may be None (the system).

    All or nothing: a run that fails leaves the previous results as they were, and the
    table its full run staged on PostgreSQL (see ``result_store``) is dropped."""
    from django.db import connection

    staged: list[str] = []
    try:
        return _match_area(actor=actor, year=year, area=area, now=now, full=full, staged=staged)
    except BaseException:
        for name in staged:
            result_store.drop_staged(connection, name)
        raise


@transaction.atomic
def _match_area(*, actor, year: int, area: Unit, now, full: bool, staged: list[str]) -> MatchRun:
    from django.db import connection

    rules = active_rules(area_policies(area))
    if not rules:
        raise InvalidInput(
            f"{area.name}还没有保存了规则的政策，无法匹配。请先在政策库中为政策编写规则。"
        )
    timings: dict[str, float] = {}
    started = time.perf_counter()
    refs = [f"{r.policy.code}@{r.version}" for r in rules]
    ruleset = ruleset_for(rules)
    mark, top, count = registry_state()
    if count == 0:
        raise InvalidInput("企业库中还没有企业，请先导入企业名录再运行政策匹配。")
    base = None if full else incremental_base(area, year, refs)
    changed = changed_since(base) if base is not None else None
    if changed is None:
        base = None
    if base is not None and changed is not None and not changed.exists():
        registry = None  # nothing changed since the base run: nothing to re-evaluate
    else:
        registry = stored_registry(changed)
    # what each result row refers to: the enterprise's id
    ids = enterprise_ids(registry, changed) if registry is not None else None
    if base is None:
        assert registry is not None
        digest = registry_digest(registry)
    else:
        part = registry_digest(registry) if registry is not None else ""
        digest = hashlib.sha256(f"{base.registry_digest}+{part}".encode()).hexdigest()
    timings["load"] = round(time.perf_counter() - started, 3)
    mark_t = time.perf_counter()
    results: list = []
    near_misses: list = []
    if registry is not None:
        evaluation, near_misses = evaluate_with_near_misses(ruleset, registry, year)
        results = evaluation.results
    timings["evaluate"] = round(time.perf_counter() - mark_t, 3)
    mark_t = time.perf_counter()

    by_code = {r.policy.code: r for r in rules}
    run = MatchRun.objects.create(
        year=year,
        area=area,
        registry_digest=digest,
        enterprise_count=count,
        rule_refs=refs,
        created_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        mode=MatchMode.FULL if base is None else MatchMode.INCREMENTAL,
        base_run=base,
        registry_mark=mark,
        registry_max_id=top,
        reevaluated_count=len(registry) if registry is not None else 0,
    )
    policy_ids = [r.policy_id for r in rules]
    changed_ids = None
    if base is not None:
        changed_ids = ids.tolist() if ids is not None else []
    # on PostgreSQL a run's rows go into a partition of their own, staged outside every
    # reader's view; a full run drops the partitions of the runs it replaces whole
    # (incremental ones included) when it is attached
    own_partition = registry is not None and result_store.partitioned(connection)
    replaced: list[int] = []
    if own_partition and base is None:
        replaced = result_store.superseded(run, year, set(by_code))
    # the rows this run replaces go first: an incremental run lists its near misses only
    # where the ones it took out leave room under the cap
    retired = retire_results(policy_ids, year, changed_ids, exclude_runs=replaced)
    timings["retire"] = round(time.perf_counter() - mark_t, 3)
    mark_t = time.perf_counter()
    counts: dict[str, dict[str, int]] = {}
    caps: dict[str, int] = {}
    for rule in rules:
        before = base.policy_counts.get(str(rule.policy_id), {}) if base is not None else {}
        gone = retired.get(rule.policy_id, (0, 0, 0))
        listed = before.get("near_listed", 0) - gone[1]
        # the near misses listed of a policy stay at most NEAR_MISS_CAP: an incremental run
        # of 1% of a province lists ~20 per policy, not 2,000 again (the others are
        # counted, and each enterprise's own page works its near misses out)
        caps[rule.policy.code] = NEAR_MISS_CAP if base is None else max(0, NEAR_MISS_CAP - listed)
        # a changed enterprise's earlier near miss beyond the listed ones was not stored, so
        # after an incremental run "near" can count it twice; "near_listed" stays exact
        counts[str(rule.policy_id)] = {
            "version": rule.version,
            "eligible": before.get("eligible", 0) - gone[0],
            "near": before.get("near", 0) - gone[1],
            "near_listed": listed,
            "total": before.get("total", 0) - gone[2],
        }
    for result in results:
        c = counts[str(by_code[result.policy.id].policy_id)]
        c["eligible"] += len(result.rows)
        c["total"] += result.total
    for near in near_misses:
        c = counts[str(by_code[near.policy.id].policy_id)]
        c["near"] += len(near.rows)
        c["near_listed"] += min(len(near.rows), caps[near.policy.id])
    if own_partition:
        assert registry is not None
        table = result_table(run, year, registry, ids, results, near_misses, by_code, caps)
        timings["table"] = round(time.perf_counter() - mark_t, 3)
        staged.append(result_store.stage_name(run.pk))
        stage_name = result_store.stage(connection, run.pk, table, timings)
        del table
        mark_t = time.perf_counter()
        result_store.swap_in(connection, run.pk, stage_name, replaced)
        timings["swap"] = round(time.perf_counter() - mark_t, 3)
        # the run page's one "保存" figure: every storing step but the replacing
        steps = ("table", "copy", "index", "swap")
        timings["store"] = round(sum(timings.get(k, 0.0) for k in steps), 3)
    elif registry is not None:
        table = result_table(run, year, registry, ids, results, near_misses, by_code, caps)
        store_results(run, year, table)
        timings["store"] = round(time.perf_counter() - mark_t, 3)
    run.eligible_count = sum(c["eligible"] for c in counts.values())
    run.near_miss_count = sum(c["near"] for c in counts.values())
    total = sum(c["total"] for c in counts.values())
    run.total_amount = Decimal(total)
    run.policy_counts = counts
    run.timings = timings
    run.save(
        update_fields=[
            "eligible_count", "near_miss_count", "total_amount", "timings", "policy_counts"
        ]
    )  # fmt: skip
    audit.record(
        actor,
        "match_run.completed",
        run,
        after={
            "year": year,
            "rules": run.rule_refs,
            "mode": run.mode,
            "base_run": base.pk if base is not None else None,
            "enterprises": run.enterprise_count,
            "reevaluated": run.reevaluated_count,
            "eligible": run.eligible_count,
            "near_misses": run.near_miss_count,
            "total_amount": total,
            "registry_digest": digest,
        },
        unit=area,
        now=now,
    )
    return run


def _chunks(values: list[int], size: int = 5000):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def retire_results(
    policy_ids: list[int], year: int, codes: list[int] | None, exclude_runs: Sequence[int] = ()
) -> dict[int, tuple[int, int, int]]:
    """Take the current results of ``policy_ids`` and ``year`` (of the enterprises whose
    ids are ``codes`` only, unless None) out of the current lists: delete them in bulk, except
    rows an enterprise gave feedback on, which stay as history (``current`` false).

    Returns {policy_id: (eligible rows, near-miss rows, eligible amount)} taken out of an
    incremental run's scope (not counted for a full run: its counts start afresh). Stays set-based: no
    ORM object per row (a province's full run replaces tens of millions of rows).
    """
    from django.db import connection

    from qinqing.policies.models import PushFeedback

    quote = connection.ops.quote_name
    table, feedback = quote(MatchResult._meta.db_table), quote(PushFeedback._meta.db_table)

    def col(name: str) -> str:
        # qualified on PostgreSQL, where the feedback table (same column names) is joined
        return f"{table}.{name}" if connection.vendor == "postgresql" else name

    marks = ", ".join(["%s"] * len(policy_ids))
    where = f"{col('policy_id')} IN ({marks}) AND {col('year')} = %s AND {col('current')} = %s"
    base_params: list[Any] = [*policy_ids, year, True]
    if exclude_runs:
        # the partitions a full run drops whole (PostgreSQL prunes them from the scan)
        where += f" AND {col('run_id')} NOT IN ({', '.join(['%s'] * len(exclude_runs))})"
        base_params += list(exclude_runs)
    if codes is None:
        scopes: list[tuple[str, list[Any]]] = [(where, base_params)]
    elif connection.vendor == "postgresql":
        scopes = [
            (f"{where} AND {col('enterprise_id')} = ANY(%s)", [*base_params, chunk])
            for chunk in _chunks(codes, 100_000)
        ]
    else:
        scopes = [
            (
                f"{where} AND enterprise_id IN ({', '.join(['%s'] * len(chunk))})",
                [*base_params, *chunk],
            )
            for chunk in _chunks(codes, 500)
        ]
    out: dict[int, tuple[int, int, int]] = {}
    if codes is not None and not codes:
        return out
    with connection.cursor() as cursor:
        for clause, params in scopes:
            # names are the models' own; values are parameters
            if codes is not None and connection.vendor == "postgresql":
                # first the (few) rows with feedback, reached from the feedback table by
                # id: out of the current lists, counted; then every other row in scope
                # is deleted and counted in one pass (no second scan of the scope)
                cursor.execute(
                    f"UPDATE {table} SET current = %s FROM {feedback} f"  # noqa: S608
                    f" WHERE f.result_id = {table}.id AND {clause}"
                    f" RETURNING {table}.policy_id,"
                    f" CASE WHEN {table}.eligible THEN 1 ELSE 0 END,"
                    f" CASE WHEN {table}.near_miss THEN 1 ELSE 0 END,"
                    f" CASE WHEN {table}.eligible THEN {table}.amount ELSE 0 END",
                    [False, *params],
                )
                kept = cursor.fetchall()
                cursor.execute(
                    f"WITH gone AS (DELETE FROM {table} WHERE {clause}"  # noqa: S608
                    " RETURNING policy_id, eligible, near_miss, amount)"
                    " SELECT policy_id, SUM(CASE WHEN eligible THEN 1 ELSE 0 END),"
                    " SUM(CASE WHEN near_miss THEN 1 ELSE 0 END),"
                    " SUM(CASE WHEN eligible THEN amount ELSE 0 END) FROM gone GROUP BY policy_id",
                    params,
                )
                for policy_id, eligible, near, amount in [*cursor.fetchall(), *kept]:
                    e, m, a = out.get(policy_id, (0, 0, 0))
                    out[policy_id] = (e + int(eligible), m + int(near), a + int(amount or 0))
                continue
            if codes is not None:
                cursor.execute(
                    "SELECT policy_id, SUM(CASE WHEN eligible THEN 1 ELSE 0 END),"  # noqa: S608
                    " SUM(CASE WHEN near_miss THEN 1 ELSE 0 END),"
                    " SUM(CASE WHEN eligible THEN amount ELSE 0 END)"
                    f" FROM {table} WHERE {clause} GROUP BY policy_id",
                    params,
                )
                for policy_id, eligible, near, amount in cursor.fetchall():
                    e, m, a = out.get(policy_id, (0, 0, 0))
                    out[policy_id] = (e + int(eligible), m + int(near), a + int(amount or 0))
            cursor.execute(
                f"DELETE FROM {table} WHERE {clause} AND NOT EXISTS"  # noqa: S608
                f" (SELECT 1 FROM {feedback} f WHERE f.result_id = {table}.id)",
                params,
            )
            cursor.execute(
                f"UPDATE {table} SET current = %s WHERE {clause}",  # noqa: S608
                [False, *params],
            )
    return out


RESULT_COLUMNS = (
    "run_id", "year", "policy_id", "rule_id", "enterprise_id", "eligible", "near_miss",
    "amount", "reason", "current",
)  # fmt: skip


def result_table(
    run, year, registry, ids, results, near_misses, by_code, caps: dict[str, int] | None = None
) -> pa.Table:
    """The run's rows as one Arrow table (built column-wise, no Python object per row), in
    enterprise-id order (``ids``: each registry row's enterprise id): every eligible pair,
    and per policy the first ``caps[code]`` (default ``NEAR_MISS_CAP``) near misses (credit
    code order) with their reasons, each worded once per distinct (item, condition).

    No comparison sort of the rows and no string copied per row: a row's segment (one
    policy's eligible or near-miss rows) gives its policy, rule and kind, and the reason
    column is dictionary-encoded."""

    rows: list[np.ndarray] = []
    segment_policy: list[int] = []
    segment_rule: list[int] = []
    amounts: list[np.ndarray] = []
    reason_index: list[np.ndarray] = []
    reasons: list[str] = [""]
    for result in results:
        if not len(result.rows):
            continue
        rule = by_code[result.policy.id]
        rows.append(result.rows)
        segment_policy.append(rule.policy_id)
        segment_rule.append(rule.pk)
        amounts.append(result.amounts)
    eligible_segments = len(rows)
    for near in near_misses:
        if not len(near.rows):
            continue
        rule = by_code[near.policy.id]
        k = min(len(near.rows), NEAR_MISS_CAP if caps is None else caps[near.policy.id])
        if not k:
            continue
        keys = near.items[:k].astype(np.int64) * 1_000_000 + (near.failed[:k] + 10)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        offset = len(reasons)
        reasons.extend(near.reason(int(i), year)[:500] for i in first)
        rows.append(near.rows[:k])
        segment_policy.append(rule.policy_id)
        segment_rule.append(rule.pk)
        reason_index.append((inverse.reshape(-1) + offset).astype(np.int32))
    if not rows:
        return pa.table({c: pa.array([], pa.string()) for c in RESULT_COLUMNS})
    # one enterprise's rows next to each other, enterprises in id order: an incremental
    # run then rewrites a few pages per changed enterprise, not one per policy across the
    # whole table, the enterprise's own page reads one or two, the enterprise index is
    # built from presorted input and a push list pages in its order. A counting sort over
    # each registry row's rank in id order: each enterprise's rows start where the rows of
    # the enterprises before it end; each segment (distinct rows) fills its enterprises'
    # next free places in turn, so an enterprise's rows keep the segments' order
    # (eligible first, by policy)
    size = len(registry)
    ids = np.asarray(ids, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    rank = np.empty(size, dtype=np.int64)
    rank[order] = np.arange(size, dtype=np.int64)
    per_rank = np.zeros(size, dtype=np.int64)
    ranked = [rank[segment_rows] for segment_rows in rows]
    for segment_ranks in ranked:
        per_rank[segment_ranks] += 1
    free = np.zeros(size, dtype=np.int64)
    np.cumsum(per_rank[:-1], out=free[1:])
    n = int(per_rank.sum())
    segment = np.empty(n, dtype=np.int32)
    amount = np.zeros(n, dtype=np.int64)
    reason = np.zeros(n, dtype=np.int32)
    for s, segment_ranks in enumerate(ranked):
        places = free[segment_ranks]
        segment[places] = s
        if s < eligible_segments:
            amount[places] = amounts[s]
        else:
            reason[places] = reason_index[s - eligible_segments]
        free[segment_ranks] = places + 1
    eligible = segment < eligible_segments
    # the reasons dictionary-encoded: indices into the distinct ones, not a copied string
    # per row; the binary COPY writes the values (result_store.stage)
    return pa.table(
        {
            "run_id": pa.array(np.full(n, run.pk, dtype=np.int64)),
            "year": pa.array(np.full(n, year, dtype=np.int32)),
            "policy_id": pa.array(np.array(segment_policy, dtype=np.int64)[segment]),
            "rule_id": pa.array(np.array(segment_rule, dtype=np.int64)[segment]),
            "enterprise_id": pa.array(np.repeat(ids[order], per_rank)),
            "eligible": pa.array(eligible),
            "near_miss": pa.array(~eligible),
            "amount": pa.array(amount),
            "reason": pa.DictionaryArray.from_arrays(
                pa.array(reason), pa.array(reasons, pa.string())
            ),
            "current": pa.array(np.ones(n, dtype=bool)),
        }
    )


def store_results(run: MatchRun, year: int, table: pa.Table) -> None:
    """Insert the run's result rows set-based: on PostgreSQL one ``COPY … FROM STDIN
    (FORMAT csv)`` stream written by Arrow's CSV writer in slices (no per-row Python),
    ``bulk_create`` in batches elsewhere."""
    from django.db import connection

    if not table.num_rows:
        return
    if connection.vendor == "postgresql":
        import pyarrow.csv as pacsv

        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in RESULT_COLUMNS)
        sql = (
            f"COPY {quote(MatchResult._meta.db_table)} ({columns}) FROM STDIN"
            " (FORMAT csv, FORCE_NOT_NULL (reason))"
        )
        options = pacsv.WriteOptions(include_header=False)
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for start in range(0, table.num_rows, 500_000):
                buffer = io.BytesIO()
                pacsv.write_csv(table.slice(start, 500_000), buffer, write_options=options)
                copy.write(buffer.getbuffer())
        return
    batch: list[MatchResult] = []
    for row in table.select(list(RESULT_COLUMNS)).to_pylist():
        batch.append(
            MatchResult(
                run=run,
                year=year,
                policy_id=row["policy_id"],
                rule_id=row["rule_id"],
                enterprise_id=row["enterprise_id"],
                eligible=row["eligible"],
                near_miss=row["near_miss"],
                amount=Decimal(row["amount"]),
                reason=row["reason"],
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
    rows = Enterprise.objects.filter(pk=result.enterprise_id or 0)
    if result.enterprise_id is None or not rows.exists():
        return ResultExplanation(None, data_changed=True, missing=True)
    one = stored_registry(rows)
    explanation = explain([rule], one, result.year, row=0).policies[0]
    changed = Decimal(explanation.amount) != result.amount or (
        result.near_miss and not explanation.near_miss
    )
    return ResultExplanation(explanation, data_changed=changed, missing=False)


def unlisted_near_misses(uscc: str, listed: set[int]) -> list[tuple[Policy, int, str]]:
    """The enterprise's near misses on policies whose stored list stopped at
    ``NEAR_MISS_CAP`` (latest run) and that have no current row for it (``listed``):
    (policy, year, reason), computed now on its one registry row (a few milliseconds), so
    every enterprise still sees where it falls short although not every near miss of a
    province is stored."""
    from qinqing.core.enterprises.models import Enterprise

    run = MatchRun.objects.order_by("-pk").only("year", "policy_counts").first()
    if run is None:
        return []
    capped = [
        int(key)
        for key, c in run.policy_counts.items()
        if c.get("near", 0) > c.get("near_listed", 0) and int(key) not in listed
    ]
    rows = Enterprise.objects.filter(uscc=uscc)
    if not capped or not rows.exists():
        return []
    rules = PolicyRule.objects.filter(policy_id__in=capped, active=True).select_related("policy")
    by_code = {r.policy.code: r for r in rules}
    ruleset = [parse_rule(r.yaml_text, f"{code}.yaml") for code, r in sorted(by_code.items())]
    out = []
    for near in find_reachable_near_misses(ruleset, stored_registry(rows), run.year):
        if len(near.rows):
            out.append((by_code[near.policy.id].policy, run.year, near.reason(0, run.year)))
    return out


def policy_summary(policy: Policy) -> dict:
    """Counts of the current push list: eligible, near misses (listed, and all counted by
    the latest run), total amount, last run."""
    qs = MatchResult.objects.filter(policy=policy, current=True)
    agg = qs.aggregate(
        total=Sum("amount", filter=Q(eligible=True)),
        run=Max("run_id"),
    )
    listed = qs.filter(near_miss=True).count()
    # the latest run of the policy, which may have stored no row of it (an incremental
    # run whose changed enterprises have no listed result) but counted its near misses
    later = MatchRun.objects.filter(pk__gte=agg["run"] or 0).order_by("-pk").only("policy_counts")
    key = str(policy.pk)
    run = next((r for r in later if key in (r.policy_counts or {})), None)
    counted = (run.policy_counts if run else {}).get(key, {}).get("near", listed)
    return {
        "eligible": qs.filter(eligible=True).count(),
        "near_miss": max(listed, counted),
        "near_miss_listed": listed,
        "total": agg["total"] or Decimal(0),
        "run_id": agg["run"],
    }


def run_policy_rows(run: MatchRun, visible) -> list[dict]:
    """Per policy of ``run`` the user may see: code, title, rule version, eligible and
    near-miss counts (from the run's own record, so old runs keep their figures)."""
    policies = {str(p.pk): p for p in visible.filter(pk__in=[int(k) for k in run.policy_counts])}
    rows = [
        {
            "policy__code": p.code,
            "policy__title": p.title,
            "rule__version": run.policy_counts[key]["version"],
            "eligible": run.policy_counts[key]["eligible"],
            "near": run.policy_counts[key]["near"],
        }
        for key, p in policies.items()
    ]
    return sorted(rows, key=lambda r: r["policy__code"])
