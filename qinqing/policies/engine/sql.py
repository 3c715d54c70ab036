"""Compile a rule set to one SQL query (registries larger than memory; see docs/dev).

The query computes the same ``uscc, policy_id, amount`` rows as
:func:`~qinqing.policies.engine.evaluate.evaluate`, inside the database: each
condition becomes a boolean SQL expression, each item a ``CASE``, an exclusivity group
``GREATEST`` (``MAX`` in SQLite), caps ``LEAST`` (``MIN``). Empty values fail every
comparison, as in the NumPy engine, by wrapping each test in ``COALESCE(…, FALSE)``.

The table holds one row per enterprise with a column per attribute (dates as DATE in
PostgreSQL, ISO ``YYYY-MM-DD`` text in SQLite; booleans as BOOLEAN / 0-1) plus an
``order_column`` (default ``row_no``) giving the registry order of the output.

Examples:
    >>> from qinqing.policies.engine.spec import load_ruleset
    >>> sql = compile_to_sql(load_ruleset(), 2025, dialect="sqlite")
    >>> "'district18-art3' AS policy_id" in sql and "MAX(" in sql
    True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from qinqing.core.enterprises.attributes import AttributeType
from qinqing.policies.engine.spec import Amount, Condition, Item, Policy, RuleSet

DIALECTS = ("postgresql", "sqlite")


class _Sql:
    def __init__(self, dialect: str, year: int) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {DIALECTS}")
        self.pg = dialect == "postgresql"
        self.year = year
        self.false = "FALSE" if self.pg else "0"

    @staticmethod
    def ident(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    @staticmethod
    def text(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    def literal(self, value: object, kind: AttributeType | None) -> str:
        if kind is AttributeType.DATE:
            if value == "policy_year_start":
                value = dt.date(self.year, 1, 1)
            elif value == "policy_year_end":
                value = dt.date(self.year, 12, 31)
            assert isinstance(value, dt.date)
            return f"DATE '{value.isoformat()}'" if self.pg else f"'{value.isoformat()}'"
        if isinstance(value, bool):
            return ("TRUE" if value else "FALSE") if self.pg else ("1" if value else "0")
        if isinstance(value, int):
            return str(value)
        return self.text(str(value))

    def greatest(self, parts: Sequence[str]) -> str:
        if len(parts) == 1:
            return parts[0]
        return ("GREATEST(" if self.pg else "MAX(") + ", ".join(parts) + ")"

    def least(self, a: str, b: str) -> str:
        return f"{'LEAST' if self.pg else 'MIN'}({a}, {b})"

    def number(self, column: str) -> str:
        col = f"COALESCE({self.ident(column)}, 0)"
        return f"CAST({col} AS BIGINT)" if self.pg else col

    # -- conditions ---------------------------------------------------------

    def condition(self, c: Condition, policy: Policy) -> str:
        if c.op == "all_of":
            return "(" + " AND ".join(self.condition(x, policy) for x in c.children) + ")"
        if c.op == "any_of":
            return "(" + " OR ".join(self.condition(x, policy) for x in c.children) + ")"
        if c.op == "not":
            return f"(NOT {self.condition(c.children[0], policy)})"
        if c.op == "count_of":
            terms = " + ".join(
                f"(CASE WHEN {self.condition(x, policy)} THEN 1 ELSE 0 END)" for x in c.children
            )
            return f"(({terms}) >= {c.at_least})"
        return f"COALESCE({self.leaf(c, policy)}, {self.false})"

    def leaf(self, c: Condition, policy: Policy) -> str:
        assert c.attribute is not None
        col = self.ident(c.attribute)
        kind = c.attribute_type
        op, value = c.op, c.value
        if op == "present":
            return f"({col} IS NOT NULL)" if value else f"({col} IS NULL)"
        if op == "in_policy_year":
            start, end = policy.year_window(self.year)
            inside = f"({col} BETWEEN {self.literal(start, kind)} AND {self.literal(end, kind)})"
            return inside if value else f"({col} IS NOT NULL AND NOT {inside})"
        if op in ("in", "not_in"):
            assert isinstance(value, tuple)
            listed = ", ".join(self.literal(v, kind) for v in value)
            return f"({col} {'IN' if op == 'in' else 'NOT IN'} ({listed}))"
        if op == "between":
            low, high = cast("tuple[Any, Any]", value)
            return f"({col} BETWEEN {self.literal(low, kind)} AND {self.literal(high, kind)})"
        if op == "starts_with":
            assert isinstance(value, tuple)
            tests = [f"substr({col}, 1, {len(p)}) = {self.text(p)}" for p in value]
            return "(" + " OR ".join(tests) + ")"
        symbol = {
            "equals": "=",
            "not_equals": "<>",
            "at_least": ">=",
            "on_or_after": ">=",
            "at_most": "<=",
            "on_or_before": "<=",
            "greater_than": ">",
            "after": ">",
            "less_than": "<",
            "before": "<",
        }[op]
        return f"({col} {symbol} {self.literal(value, kind)})"

    # -- amounts ------------------------------------------------------------

    def amount(self, amount: Amount, when: str) -> str:
        if amount.kind == "fixed":
            return f"CASE WHEN {when} THEN {amount.value} ELSE 0 END"
        assert amount.attribute is not None
        base = self.number(amount.attribute)
        if amount.kind == "per":
            return f"CASE WHEN {when} THEN {base} * {amount.value} ELSE 0 END"
        if amount.kind == "percent":
            return f"CASE WHEN {when} THEN ({base} * {amount.value}) / 10000 ELSE 0 END"
        branches = " ".join(
            f"WHEN {when} AND {base} >= {at_least} THEN {fixed} + {base} * {each}"
            for at_least, fixed, each in reversed(amount.tiers)
        )
        return f"CASE {branches} ELSE 0 END"

    def item(self, item: Item, policy: Policy) -> str:
        when = " AND ".join(self.condition(c, policy) for c in item.when) or "1 = 1"
        expr = self.amount(item.amount, f"({when})")
        return self.least(expr, str(item.cap)) if item.cap is not None else expr

    def policy(self, policy: Policy) -> str:
        parts = [self.item(i, policy) for i in policy.items]
        parts += [self.greatest([self.item(i, policy) for i in g.items]) for g in policy.groups]
        total = " + ".join(f"({p})" for p in parts) or "0"
        if policy.cap is not None:
            total = self.least(total, str(policy.cap))
        active = [self.condition(c, policy) for c in policy.when]
        active += [f"NOT {self.condition(c, policy)}" for c in policy.exclusions]
        if not active:
            return total
        return f"CASE WHEN {' AND '.join(active)} THEN {total} ELSE 0 END"


def compile_to_sql(
    ruleset: RuleSet | Sequence[Policy],
    year: int,
    *,
    table: str = "enterprises",
    dialect: str = "postgresql",
    order_column: str = "row_no",
) -> str:
    """One SELECT returning ``uscc, policy_id, amount`` like ``qinqing policies evaluate``."""
    sql = _Sql(dialect, year)
    policies = [p for p in ruleset if p.in_force(year)]
    if not policies:
        return "SELECT NULL AS uscc, NULL AS policy_id, NULL AS amount WHERE 1 = 0"
    order = sql.ident(order_column)
    columns = [f"    {order}", '    "uscc"']
    for n, policy in enumerate(policies):
        columns.append(
            f"    -- {policy.reference} {policy.title}\n    {sql.policy(policy)} AS a{n}"
        )
    # Identifiers go through ident() and literals through text()/literal(): no raw input.
    selects = [
        f'  SELECT "uscc", {sql.text(p.id)} AS policy_id, a{n} AS amount, {n} AS policy_order, {order}'  # noqa: S608
        f" FROM amounts WHERE a{n} > 0"
        for n, p in enumerate(policies)
    ]
    lines = [
        f"-- qinqing policies: {len(policies)} policies, policy year {year} ({dialect})",
        "WITH amounts AS (",
        "  SELECT",
        ",\n".join(columns),
        "  FROM " + sql.ident(table),
        ")",
        "SELECT uscc, policy_id, amount FROM (",
        "\n  UNION ALL\n".join(selects),
        ") AS results",
        "ORDER BY policy_order, " + order,
    ]
    return "\n".join(lines)
