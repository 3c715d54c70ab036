"""``qinqing policies …``: database-free rule checking, matching and explanations (and
``sweep``, the scheduled sweeps, which use the database).

Contract (kept stable; tests and outside evaluation use it):

* ``qinqing policies evaluate --enterprises FILE --year YEAR --out OUT.csv [--rules DIR]``
  writes ``uscc,policy_id,amount`` for every eligible pair (amount > 0), policies in id
  order, enterprises in registry order, UTF-8 with LF line ends.
* ``qinqing policies explain --enterprises FILE --uscc CODE --year YEAR`` prints the
  explanation in Chinese.

Nothing here imports Django; heavy modules are imported inside the handlers.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "policies",
        help="惠企政策：规则校验、匹配计算、匹配说明",
        description="惠企政策：规则校验、全量匹配计算、单个企业的匹配说明（不需要数据库）。",
    )
    parser.set_defaults(func=lambda args: _help(parser))
    sub = parser.add_subparsers(dest="policies_command", metavar="子命令")

    evaluate = sub.add_parser(
        "evaluate",
        help="对企业名录计算每家企业可享受的政策和金额",
        description="对企业名录计算每家企业可享受的政策和金额，写出 uscc,policy_id,amount（只含金额大于 0 的行）。",
    )
    _registry_args(evaluate)
    evaluate.add_argument("--out", required=True, metavar="OUT.csv", help="结果文件（CSV）")
    evaluate.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="名录中有错误行时跳过这些行继续计算（默认：有任何错误行即停止）",
    )
    evaluate.add_argument(
        "--with-version", action="store_true", help="结果中增加 policy_version 列（规则版本号）"
    )
    evaluate.add_argument(
        "--near-misses", metavar="FILE.csv", help="另写出“差一个条件”的企业名单及原因"
    )
    evaluate.set_defaults(func=_evaluate)

    explain = sub.add_parser(
        "explain",
        help="说明一家企业对每项政策的每个条件是否满足",
        description="说明一家企业对每项政策的每个条件是否满足、金额多少、差哪个条件。",
    )
    _registry_args(explain)
    explain.add_argument("--uscc", required=True, metavar="CODE", help="统一社会信用代码")
    explain.add_argument("--json", action="store_true", help="以 JSON 输出（供系统对接）")
    explain.set_defaults(func=_explain)

    validate = sub.add_parser(
        "validate",
        help="校验规则文件",
        description="校验规则目录（或单个规则文件）；有问题时逐条列出并以退出码 2 结束。",
    )
    validate.add_argument("--rules", metavar="DIR", help="规则目录或文件（默认：内置规则）")
    validate.set_defaults(func=_validate)

    attributes = sub.add_parser("attributes", help="列出规则可用的企业属性")
    attributes.set_defaults(func=_attributes)

    sql = sub.add_parser(
        "sql",
        help="把规则编译成 SQL（在数据库内计算超大名录）",
        description="把规则编译成一条 SQL 查询，结果与 evaluate 相同。",
    )
    sql.add_argument("--year", required=True, type=int, metavar="YEAR", help="政策年度")
    sql.add_argument("--rules", metavar="DIR", help="规则目录（默认：内置规则）")
    sql.add_argument("--table", default="enterprises", help="企业名录表名（默认 enterprises）")
    sql.add_argument("--dialect", choices=("postgresql", "sqlite"), default="postgresql")
    sql.set_defaults(func=_sql)

    match = sub.add_parser(
        "match",
        help="对企业库运行政策匹配（与“政策匹配”页面相同，适合企业数很多时在后台运行）",
    )
    match.add_argument("--year", type=int, required=True, help="政策年度，如 2025")
    match.add_argument("--area", required=True, help="地区单位名称，如 示例市")
    match.add_argument("--user", required=True, help="以哪个营商办账号的名义运行（记入审计日志）")
    match.add_argument(
        "--full",
        action="store_true",
        help="全量匹配：重新计算全部企业（默认只计算上次匹配后有变化的企业；规则有变化时自动全量）",
    )
    match.set_defaults(func=_match)

    sweep = sub.add_parser(
        "sweep",
        help="惠企政策巡检：上级资金15日时限、申报审核超时、服务对象清单季度更新提醒（可重复运行）",
    )
    sweep.add_argument(
        "--now", help="按此时刻运行（ISO 格式，如 2025-07-01T09:00；不带时区按北京时间）"
    )
    sweep.set_defaults(func=_sweep)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _registry_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--enterprises", required=True, metavar="FILE", help="企业名录（CSV、XLSX 或 Parquet）"
    )
    parser.add_argument("--year", required=True, type=int, metavar="YEAR", help="政策年度，如 2025")
    parser.add_argument("--rules", metavar="DIR", help="规则目录（默认：内置规则）")


def _check_year(year: int) -> int:
    from qinqing.core.errors import InvalidInput

    if not 1900 <= year <= 2100:
        raise InvalidInput(f"政策年度“{year}”不合理，请写四位年份，例如 --year 2025。")
    return year


class _RefusePandas:
    """Import finder that reports pandas as absent (see :func:`_arrow_without_pandas`)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def _arrow_without_pandas() -> None:
    """Run the rest of this ``qinqing`` process as pyarrow would without pandas installed.

    pyarrow imports pandas the first time it converts anything (a NumPy array, a Python
    value, a column to NumPy) in case the value is a pandas object, and its C++ layer
    does again for conversions to NumPy; that import took 0.4 s of a 1,000,000-row
    ``evaluate`` from Parquet, which never hands data to pandas. pyarrow without pandas is
    a supported set-up, so pandas is reported absent for the rest of the process. Only
    done in a ``qinqing`` process of its own (``entry()``), never when ``main()`` runs
    inside another program such as the test suite.
    """
    from qinqing.core.django_setup import is_standalone

    if is_standalone() and "pandas" not in sys.modules:
        sys.meta_path.insert(0, _RefusePandas())


def _evaluate(args: argparse.Namespace) -> int:
    _arrow_without_pandas()
    from qinqing.core.enterprises.registry_io import read_registry
    from qinqing.core.errors import InvalidInput
    from qinqing.policies.engine.evaluate import attributes_used, evaluate
    from qinqing.policies.engine.spec import load_ruleset

    year = _check_year(args.year)
    ruleset = load_ruleset(args.rules)
    # the whole file is validated; only the columns the rules read (and the codes) are kept
    imported = read_registry(
        args.enterprises,
        on_error="skip" if args.skip_bad_rows else "reject",
        columns={"uscc", *attributes_used(ruleset)},
    )
    if imported.registry is None:
        raise InvalidInput(imported.report())
    if imported.errors:
        print(imported.report(limit=20), file=sys.stderr)
    evaluation = evaluate(ruleset, imported.registry, year)
    try:
        written = evaluation.write_csv(args.out, with_version=args.with_version)
    except OSError as exc:
        raise InvalidInput(
            f"无法写入结果文件“{args.out}”：{exc.strerror}。请检查路径和权限。"
        ) from None
    if args.near_misses:
        _write_near_misses(args.near_misses, ruleset, imported.registry, year, evaluation)
    total = sum(r.total for r in evaluation.results)
    print(
        f"已对 {len(imported.registry)} 家企业计算 {len(ruleset)} 项政策（{year} 年度）："
        f"符合 {written} 项次，合计 {total:,} 元，结果已写入 {args.out}。"
    )
    return 0


def _write_near_misses(path, ruleset, registry, year, evaluation) -> None:
    import csv

    from qinqing.policies.engine.evaluate import find_near_misses

    uscc = registry.uscc
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["uscc", "policy_id", "item_id", "reason"])
        for near in find_near_misses(ruleset, registry, year, evaluation):
            codes = uscc.take(near.rows).to_pylist()
            items = near.policy.all_items
            for i, code in enumerate(codes):
                writer.writerow(
                    [code, near.policy.id, items[int(near.items[i])].id, near.reason(i, year)]
                )


def _explain(args: argparse.Namespace) -> int:
    _arrow_without_pandas()
    from qinqing.core.enterprises.registry_io import read_registry_row
    from qinqing.policies.engine.explain import explain
    from qinqing.policies.engine.spec import load_ruleset

    year = _check_year(args.year)
    ruleset = load_ruleset(args.rules)
    one = read_registry_row(args.enterprises, args.uscc)
    explanation = explain(ruleset, one, year, row=0)
    if args.json:
        import json

        print(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(explanation.to_text())
    return 0


def _validate(args: argparse.Namespace) -> int:
    from qinqing.policies.engine.spec import load_ruleset

    ruleset = load_ruleset(args.rules)
    for policy in ruleset:
        items = len(policy.all_items)
        print(f"{policy.id}（第 {policy.version} 版）{policy.title}：{items} 个奖励项，校验通过。")
    print(f"共 {len(ruleset)} 项政策，全部校验通过。")
    return 0


def _attributes(args: argparse.Namespace) -> int:
    from qinqing.core.enterprises.attributes import ENTERPRISE_ATTRIBUTES

    print("属性名\t中文名称\t类型\t说明")
    print(ENTERPRISE_ATTRIBUTES.describe())
    return 0


def _sql(args: argparse.Namespace) -> int:
    from qinqing.policies.engine.spec import load_ruleset
    from qinqing.policies.engine.sql import compile_to_sql

    year = _check_year(args.year)
    print(compile_to_sql(load_ruleset(args.rules), year, table=args.table, dialect=args.dialect))
    return 0


def _match(args: argparse.Namespace) -> int:
    """A matching run outside a web request (needs Django), for large registries."""
    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from qinqing.core.errors import InvalidInput, NotFound
    from qinqing.core.orgs.models import Unit
    from qinqing.policies.matching import run_matching

    user = get_user_model().objects.filter(username=args.user).first()
    if user is None:
        raise NotFound(f"没有用户名为“{args.user}”的账号。")
    areas = Unit.objects.filter(name=args.area)
    if areas.count() != 1:
        raise InvalidInput(f"找不到唯一名为“{args.area}”的地区单位，请写机构库中的全称。")
    run = run_matching(
        actor=user, year=args.year, area=areas.get(), now=timezone.now(), full=args.full
    )
    print(
        f"{run.year} 年度政策匹配（{run.get_mode_display()}，计算 {run.reevaluated_count} 家）完成："
        f"{run.enterprise_count} 家企业，符合条件 {run.eligible_count} 户次，"
        f"差一个条件 {run.near_miss_count} 户次；耗时 {run.timings}。"
    )
    return 0


def _sweep(args: argparse.Namespace) -> int:
    """The database sweeps (needs Django; also scheduled as the job ``policies.sweep``)."""
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.jobs.cli import parse_now
    from qinqing.policies.tasks import run_sweeps

    result = run_sweeps(parse_now(args.now))
    print(
        f"上级资金新标记逾期 {result.flagged_overdue} 笔、提醒 {result.fund_reminders} 次；"
        f"申报超时提醒 {result.review_reminders} 次；"
        f"新建服务对象清单 {result.lists_created} 份、提醒 {result.list_reminders} 次。"
    )
    return 0
