"""``qinqing appeals …``: database-free commands for enterprise appeals (诉求).

* ``train-router TRAIN.csv --out MODEL``: train the routing model (columns id,title,body,label).
* ``route TEST.csv --model MODEL``: print ``id,label,confidence`` for each message.

Heavy modules (scikit-learn, jieba) are imported inside the handlers.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "appeals",
        help="涉企诉求：诉求分类模型等",
        description="涉企诉求（接诉即办）相关命令。",
    )
    commands = parser.add_subparsers(dest="appeals_command", metavar="子命令")
    parser.set_defaults(func=lambda args: _print_help(parser))

    train = commands.add_parser(
        "train-router",
        help="用已分类的留言训练诉求分类模型",
        description="用 CSV 文件（列 id,title,body,label；UTF-8 或 GBK）训练诉求分类模型。",
    )
    train.add_argument("train_csv", metavar="TRAIN.csv", help="训练数据 CSV 文件")
    train.add_argument("--out", required=True, metavar="MODEL", help="模型文件的保存路径")
    train.set_defaults(func=train_router_command)

    route = commands.add_parser(
        "route",
        help="给留言分类，输出 id,label,confidence",
        description="读取 CSV 文件（列 id,title,body；多余的列会被忽略），向标准输出打印 CSV：id,label,confidence。",
    )
    route.add_argument("test_csv", metavar="TEST.csv", help="待分类留言 CSV 文件")
    route.add_argument(
        "--model", required=True, metavar="MODEL", help="train-router 生成的模型文件"
    )
    route.add_argument(
        "--top",
        type=int,
        default=1,
        metavar="K",
        help="另外输出第 2 至第 K 个候选类别及其置信度（默认 1，即只输出最可能的类别）",
    )
    route.set_defaults(func=route_command)

    # database commands (jobs, API clients, retraining) live in their own module
    from qinqing.appeals.cli_jobs import register as register_jobs

    register_jobs(commands)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def train_router_command(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from qinqing.appeals.routing import message_text, save_router, train_router
    from qinqing.appeals.routing.csvfile import read_messages

    rows = read_messages(args.train_csv, require_label=True)
    out = Path(args.out)
    if out.parent and not out.parent.is_dir():
        from qinqing.core.errors import InvalidInput

        raise InvalidInput(f"模型保存目录“{out.parent}”不存在，请先创建该目录或换一个保存路径。")
    router = train_router(
        [message_text(row.title, row.body) for row in rows],
        [row.label for row in rows],
        metadata={
            "source": Path(args.train_csv).name,
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    save_router(router, out)
    meta = router.metadata
    counts = "，".join(f"{label} {n}" for label, n in meta["label_counts"].items())
    print(
        f"已训练诉求分类模型：{meta['messages']} 条留言，{len(router.labels)} 个类别（{counts}），"
        f"用时 {meta['training_seconds']} 秒，已保存到 {out}。"
    )
    return 0


def route_command(args: argparse.Namespace) -> int:
    import csv

    from qinqing.appeals.routing import load_router, message_text
    from qinqing.appeals.routing.csvfile import read_messages
    from qinqing.core.errors import InvalidInput

    if args.top < 1:
        raise InvalidInput(f"--top 应为不小于 1 的整数，现在是 {args.top}。")
    router = load_router(args.model)
    rows = read_messages(args.test_csv, allow_empty=True)
    ranked = router.route([message_text(row.title, row.body) for row in rows], k=args.top)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    header = ["id", "label", "confidence"]
    for n in range(2, min(args.top, len(router.labels)) + 1):
        header += [f"label_{n}", f"confidence_{n}"]
    writer.writerow(header)
    for row, scores in zip(rows, ranked, strict=True):
        cells = [row.id]
        for score in scores:
            cells += [score.label, f"{score.confidence:.4f}"]
        writer.writerow(cells)
    return 0
