"""``qinqing inspections …``: database-free draw, verify and commit (双随机、一公开).

Stable contract (issue 8)::

    qinqing inspections commit --entities E.csv --items I.csv --inspectors P.csv --seed SEED
    qinqing inspections draw   --entities E.csv --items I.csv --inspectors P.csv --seed SEED --out DRAW.json
    qinqing inspections verify DRAW.json --entities E.csv --items I.csv --inspectors P.csv

``qinqing inspections verify-campaign CAMPAIGN_ID`` (needs the database) recomputes a
stored campaign from its stored input files and seed, like ``verify`` on the downloaded
files, and also compares the visits registered in the system with DRAW.json.

Exit codes: 0 success / draw reproduced; 1 verify found a difference; 2 bad input
(message on stderr, nothing written). No Django import: the handlers load only the
``qinqing.inspections.drawing`` package, and only when they run.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inspections",
        help="双随机、一公开：公布承诺值、抽取、核验",
        description="双随机、一公开：检查对象和执法检查人员的可核验随机抽取。",
    )
    parser.set_defaults(func=lambda args: _print_help(parser))
    commands = parser.add_subparsers(dest="inspections_command", metavar="子命令")
    add_commit_parser(commands)
    add_draw_parser(commands)
    add_verify_parser(commands)
    add_verify_campaign_parser(commands)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _add_input_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("输入（UTF-8 CSV，含表头，列表用 ; 分隔）")
    group.add_argument(
        "--entities",
        required=True,
        metavar="E.csv",
        help="检查对象名录：uscc,name,industry_code,region_code,credit_tier",
    )
    group.add_argument(
        "--items",
        required=True,
        metavar="I.csv",
        help="检查事项清单：item_id,department,name,industries,ratio_A,ratio_B,ratio_C,ratio_D",
    )
    group.add_argument(
        "--inspectors",
        required=True,
        metavar="P.csv",
        help="执法检查人员名录：inspector_id,name,department,active,conflicts",
    )
    group.add_argument(
        "--constraints",
        metavar="C.json",
        help="可选：检查时段与工作日、宁静期、年度检查次数上限、上次抽查配对等（JSON）",
    )


def add_commit_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "commit",
        help="计算并显示承诺值（抽取前公布）",
        description="按种子和输入快照计算承诺值 SHA-256(种子 + 换行 + 快照哈希)。抽取前公布承诺值，抽取后公布种子。",
    )
    _add_input_arguments(parser)
    parser.add_argument(
        "--seed", required=True, help="抽取种子（建议 32 位以上随机字符，抽取前保密）"
    )
    parser.add_argument(
        "--canonical-dir",
        metavar="DIR",
        help="可选：把规范化后的名录写入该目录，供他人用 sha256sum 核对快照哈希",
    )
    parser.set_defaults(func=commit_command)


def add_draw_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "draw",
        help="抽取检查对象和执法检查人员，写入 DRAW.json",
        description="按事项和信用风险分类分层抽取检查对象，合并为联合检查，随机匹配执法检查人员。",
    )
    _add_input_arguments(parser)
    parser.add_argument("--seed", required=True, help="抽取种子（与公布承诺值时相同）")
    parser.add_argument("--out", required=True, metavar="DRAW.json", help="抽取结果文件")
    parser.set_defaults(func=draw_command)


def add_verify_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "verify",
        help="按公布的输入和种子重新计算，核验 DRAW.json",
        description="重新计算抽取并与 DRAW.json 逐项比较；一致时退出码为 0，否则指出第一处不同并返回 1。",
    )
    parser.add_argument("draw", metavar="DRAW.json", help="公布的抽取结果文件")
    _add_input_arguments(parser)
    parser.add_argument(
        "--commitment",
        metavar="HEX",
        help="可选：抽取前公布的承诺值；给出时一并核对",
    )
    parser.set_defaults(func=verify_command)


def _warn_short_seed(seed: str) -> None:
    from qinqing.inspections.drawing.engine import RECOMMENDED_SEED_LENGTH

    if len(seed) < RECOMMENDED_SEED_LENGTH:
        print(
            f"提示：种子只有 {len(seed)} 个字符，公布承诺值后可能被他人穷举猜出；"
            f"正式抽取请使用至少 {RECOMMENDED_SEED_LENGTH} 个（建议 32 个以上）随机字符。",
            file=sys.stderr,
        )


def commit_command(args: argparse.Namespace) -> int:
    from qinqing.inspections.drawing.document import (
        TABLE_LABELS,
        load_inputs,
        write_canonical_files,
    )
    from qinqing.inspections.drawing.engine import draw_commitment

    inputs = load_inputs(args.entities, args.items, args.inspectors, args.constraints)
    commitment = draw_commitment(args.seed, inputs)
    _warn_short_seed(args.seed)
    print(f"承诺值：{commitment}")
    print(f"输入快照：{inputs.snapshot_sha256}")
    rows = {
        "entities": len(inputs.entities),
        "items": len(inputs.items),
        "inspectors": len(inputs.inspectors),
    }
    for table, digest in inputs.table_sha256.items():
        count = f"（{rows[table]} 条）" if table in rows else ""
        print(f"  {TABLE_LABELS[table]}{count}：{digest}")
    if args.canonical_dir:
        paths = write_canonical_files(inputs, args.canonical_dir)
        print(f"规范化文件已写入 {args.canonical_dir}：{'、'.join(p.name for p in paths.values())}")
    print("请在抽取前公布承诺值和上述名录；抽取后再公布种子和 DRAW.json。")
    return 0


def draw_command(args: argparse.Namespace) -> int:
    from qinqing.inspections.drawing.document import (
        load_inputs,
        render_draw,
        summary_of,
        write_draw_text,
    )
    from qinqing.inspections.drawing.engine import run_draw

    inputs = load_inputs(args.entities, args.items, args.inspectors, args.constraints)
    _warn_short_seed(args.seed)
    result = run_draw(inputs, args.seed)
    write_draw_text(args.out, render_draw(result))
    summary = summary_of(result)
    print(
        f"已抽取 {summary['visits']} 个检查对象（其中联合检查 {summary['joint_visits']} 户，"
        f"合计 {summary['item_draws']} 项次），派出执法检查人员 {summary['inspectors_assigned']} 名；"
        f"结果已写入 {args.out}。"
    )
    print(f"承诺值：{result.commitment}")
    for warning in result.warnings:
        print(f"提示：{warning}", file=sys.stderr)
    return 0


def verify_command(args: argparse.Namespace) -> int:
    from qinqing.inspections.drawing.document import (
        constraints_of,
        load_draw_json,
        load_inputs,
        verify_draw,
    )
    from qinqing.inspections.drawing.engine import DrawInputs

    document = load_draw_json(args.draw)
    inputs = load_inputs(args.entities, args.items, args.inspectors, args.constraints)
    if args.constraints is None:
        inputs = DrawInputs(
            inputs.entities, inputs.items, inputs.inspectors, constraints_of(document)
        )
    outcome = verify_draw(document, inputs, published_commitment=args.commitment)
    if outcome.ok:
        print(outcome.message)
        return 0
    print(f"核验不通过：{outcome.message}", file=sys.stderr)
    return 1


def add_verify_campaign_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "verify-campaign",
        help="核验系统中已抽取的抽查计划（需要数据库）",
        description="按抽查计划保存的输入文件和种子重新计算，核对 DRAW.json、承诺值和系统中登记的检查对象。",
    )
    parser.add_argument("campaign", metavar="CAMPAIGN_ID", type=int, help="抽查计划编号")
    parser.set_defaults(func=verify_campaign_command)


def verify_campaign_command(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.errors import InvalidInput
    from qinqing.inspections.models import Campaign
    from qinqing.inspections.service import verify_campaign

    campaign = Campaign.objects.filter(pk=args.campaign).first()
    if campaign is None:
        raise InvalidInput(f"抽查计划 {args.campaign} 不存在。请在“抽查计划”页面核对编号。")
    outcome = verify_campaign(campaign)
    if outcome.ok:
        print(f"抽查计划 {campaign.pk}“{campaign.name}”{outcome.message}")
        return 0
    print(
        f"核验不通过：抽查计划 {campaign.pk}“{campaign.name}”：{outcome.message}", file=sys.stderr
    )
    return 1
