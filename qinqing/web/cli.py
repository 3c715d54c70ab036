"""``qinqing demo``: migrate and load the demo world; ``qinqing serve``: run gunicorn."""

from __future__ import annotations

import os
import sys


def register(sub) -> None:
    demo = sub.add_parser("demo", help="建库并载入演示数据（示例市、演示账号及各模块演示数据）")
    demo.add_argument("--no-domains", action="store_true", help="只建机构库和账号")
    demo.set_defaults(func=_demo)
    serve = sub.add_parser(
        "serve",
        help="以 gunicorn 启动网站（并启动内置调度器运行定时任务，QINQING_SCHEDULER=off 时不启动）",
    )
    serve.add_argument("--bind", default=os.environ.get("QINQING_BIND", "127.0.0.1:8000"))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("QINQING_WORKERS", "2")))
    serve.add_argument(
        "--threads", type=int, default=int(os.environ.get("QINQING_THREADS", "8")),
        help="每个进程的线程数（gthread：慢速连接不会占满全部进程）",
    )  # fmt: skip
    serve.set_defaults(func=_serve)


def _demo(args) -> int:
    from qinqing.cli.main import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)  # the shared cache of the embedded default
    call_command("collectstatic", interactive=False, verbosity=0)
    from qinqing.web.demo import build_demo

    credentials = build_demo(with_domains=not args.no_domains)
    print("\n演示账号（密码为本次随机生成，仅显示这一次；再次运行 qinqing demo 会重新生成）：")
    print("工作人员登录还须输入动态口令：用手机验证器扫描或导入行末的 otpauth:// 地址。")
    width = max(len(u) for u, *_ in credentials)
    pw_width = max(len(p) for _, _, p, _ in credentials)
    for username, role, password, totp_uri in credentials:
        line = f"  {username.ljust(width)}  {password.ljust(pw_width)}  {role}"
        print(f"{line}  {totp_uri}" if totp_uri else line)
    print()
    return 0


def _serve(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinqing.settings")
    argv = [
        "gunicorn",
        "qinqing.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        # threaded workers: two slow clients once stalled both sync workers; a thread waits
        # on a slow client while the others serve. Requests are still bounded by the timeout
        # and by the body limits (qinqing.web.security); see deploy/nginx/qinqing.conf.
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--timeout",
        os.environ.get("QINQING_WORKER_TIMEOUT", "60"),
        # nginx keeps idle upstream connections open (deploy/nginx/qinqing.conf: keepalive,
        # keepalive_timeout 60s); gunicorn must hold them longer, or nginx reuses a connection
        # gunicorn has just closed and a POST fails with 502 (nginx does not retry it)
        "--keep-alive",
        os.environ.get("QINQING_KEEP_ALIVE", "75"),
        "--limit-request-line",
        "8190",
        "--limit-request-fields",
        "100",
        "--access-logfile",
        "-",
        # starts the embedded job scheduler once, in the master (qinqing/core/jobs)
        "--config",
        "python:qinqing.core.jobs.gunicorn_conf",
    ]
    print(f"亲清已启动：http://{args.bind}/  （按 Ctrl+C 停止）", flush=True)
    os.execvp(sys.executable, [sys.executable, "-m", *argv])  # noqa: S606
    return 0
