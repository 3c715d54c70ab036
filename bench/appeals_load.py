"""Load generator for the appeals intake API (run as a separate process by bench/appeals.py).

Sends a fixed number of ``POST /appeals/api/v1/appeals/`` requests over ``--concurrency``
keep-alive connections on loopback, each with a new ``external_id``, and prints one JSON
line: requests, errors, elapsed seconds, creates per second, p50/p95/p99/max latency (ms).
Bounded: stops after ``--requests`` requests or ``--timeout`` seconds, whichever comes first.

Usage: .venv/bin/python bench/appeals_load.py --url http://127.0.0.1:8765 --token T
       [--requests 4000] [--concurrency 8] [--prefix run1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from urllib.parse import urlparse

TYPES = ["consultation", "help", "complaint", "suggestion", "praise"]
PLACES = [
    "经开区纬二路",
    "东城区人民路",
    "西山县产业园",
    "示例县工业园",
    "物流园北门",
    "高新区创业大道",
]
ASKS = ["请尽快处理", "希望明确办理时限", "请一次性告知所需材料", "请协调相关部门", "望给予答复"]
TEXTS = [
    (
        "厂区门口市政道路破损严重影响货车通行",
        "园区纬二路靠近我公司大门的一段市政道路坑洼破损，下雨积水，请尽快维修。",
    ),
    (
        "稳岗补贴申领条件和流程咨询",
        "我公司是一家制造业中小企业，想咨询稳岗返还补贴的申领条件和流程。",
    ),
    (
        "技改项目环评批复等待时间过长",
        "环境影响报告表已经通过专家评审，一个多月仍未取得批复，请加快办理。",
    ),
    (
        "道路运输经营许可证变更办理缓慢",
        "新购置十辆冷链运输车，许可变更半个月仍未办好，请加快审批。",
    ),
]


def uscc(n: int) -> str:
    from qinqing.core.enterprises.uscc import uscc_check_char

    body = f"9111000{n:010d}"[:17]
    return body + uscc_check_char(body)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--prefix", default="load")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    target = urlparse(args.url)
    codes = [uscc(n) for n in range(500)]
    counter = iter(range(args.requests))
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + args.timeout

    def worker() -> None:
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            title, content = TEXTS[n % len(TEXTS)]
            body = json.dumps(
                {
                    "external_id": f"{args.prefix}-{n}",
                    "enterprise_uscc": codes[n % len(codes)],
                    "enterprise_name": f"压测企业{n % len(codes)}",
                    "contact_name": "张经理",
                    "contact_phone": "13800000000",
                    "appeal_type": TYPES[n % len(TYPES)],
                    # varied like real traffic: not every appeal is a near-duplicate
                    "content": f"{PLACES[n % 6]}{n % 97}号，{content}{ASKS[(n // 7) % 5]}（编号{n}）",
                    "title": f"{title}（{PLACES[(n // 3) % 6]}）",
                },
                ensure_ascii=False,
            ).encode()
            headers = {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {args.token}",
            }
            started = time.perf_counter()
            try:
                conn.request("POST", "/appeals/api/v1/appeals/", body, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                with lock:
                    errors.append(type(exc).__name__)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status not in (200, 201) and status:
                    errors.append(str(status))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    print(
        json.dumps(
            {
                "requests": len(latencies),
                "errors": len(errors),
                "error_kinds": sorted(set(errors))[:5],
                "seconds": round(elapsed, 3),
                "per_second": round(len(latencies) / elapsed, 1) if elapsed else 0,
                "p50_ms": round(pct(0.50), 1),
                "p95_ms": round(pct(0.95), 1),
                "p99_ms": round(pct(0.99), 1),
                "max_ms": round(1000 * latencies[-1], 1) if latencies else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
