"""``qinqing plan …``: plan import and the task ledger from the command line.

``qinqing plan parse FILE --format json`` needs no database: it prints the parsed document as
one JSON object (the shape of a document entry of ../shared/gold/seeds_gold.json). Unreadable
input exits non-zero with one line of Chinese on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    plan = subparsers.add_parser(
        "plan",
        help="实施方案与任务台账",
        description="实施方案导入与任务台账。",
    )
    plan_commands = plan.add_subparsers(dest="plan_command", metavar="子命令")
    plan.set_defaults(func=lambda _args: _print_help(plan))

    parse = plan_commands.add_parser(
        "parse",
        help="解析实施方案文件（.txt/.docx/.pdf），输出任务台账；不需要数据库",
        description="解析实施方案或材料汇编文件，输出章节、任务（牵头单位、责任单位、完成时限、量化目标）或文章列表。",
    )
    parse.add_argument(
        "file", metavar="FILE", help="方案文件路径（.txt UTF-8/GBK、.docx 或带文字层的 .pdf）"
    )
    parse.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="输出格式：json（默认，一个 JSON 对象）或 text（便于阅读的台账）",
    )
    parse.add_argument(
        "--no-body", action="store_true", help="JSON 中不输出任务和文章的原文（body 字段）"
    )
    parse.set_defaults(func=handle_parse)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def handle_parse(args: argparse.Namespace) -> int:
    import warnings

    from qinqing.core.errors import InvalidInput
    from qinqing.plans.parsing import parse_file

    warnings.simplefilter("ignore")  # stderr carries one message line, nothing else
    try:
        doc = parse_file(args.file)
    except InvalidInput:
        raise
    except Exception as exc:  # a parser bug must still give the one-line message of the contract
        raise InvalidInput(
            f"解析“{args.file}”时出错（{type(exc).__name__}），文件格式可能不受支持；请另存为 .docx 或 UTF-8 文本后重试。"
        ) from exc
    if args.no_body:
        for item in [
            *doc.get("tasks", []),
            *doc.get("articles", []),
            *doc.get("untitled_fragments", []),
        ]:
            item.pop("body", None)
    if args.format == "json":
        out = json.dumps(doc, ensure_ascii=False, indent=1)
    else:
        out = render_text(doc)
    sys.stdout.buffer.write(out.encode("utf-8") + b"\n")
    sys.stdout.flush()
    return 0


def render_text(doc: dict) -> str:
    """A readable ledger for the terminal."""
    lines = [f"文件：{doc['file']}", f"标题：{doc.get('title_guess') or '（未识别）'}"]
    if doc["kind"] == "compilation":
        lines.append(f"类型：材料汇编，共 {len(doc['articles'])} 篇文章")
        for i, article in enumerate(doc["articles"], start=1):
            lines.append(f"{i:>3}. {article['title']}（第 {article.get('line')} 行）")
        return "\n".join(lines)
    lines.append(f"类型：实施方案，共 {len(doc['tasks'])} 项任务")
    titles = {s["id"]: s["title"] for s in doc["sections"]}
    current = object()
    for task in doc["tasks"]:
        if task["section"] != current:
            current = task["section"]
            if current is not None:
                lines.append(f"\n【{current} {titles.get(current, '')}】")
        lines.append(f"{task['id']} {task['title']}")
        if task["lead_units"]:
            lines.append(f"    牵头单位：{'、'.join(task['lead_units'])}")
        if task["responsible_units"]:
            lines.append(f"    责任单位：{'、'.join(task['responsible_units'])}")
        if task["deadline_raw"]:
            lines.append(f"    完成时限：{task['deadline_raw']}")
        if task["targets"]:
            lines.append(f"    量化目标：{'；'.join(task['targets'])}")
    return "\n".join(lines)
