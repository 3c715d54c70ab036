"""Mixed staff and enterprise traffic against ``qinqing serve`` (issue 20).

Accounts come from ``bench/out/load_users.json`` (written by ``bench/load/seed.py``; another
file with ``QINQING_LOAD_USERS``). Every virtual user signs in once through the real pages:
GET ``/login/`` for the CSRF token, POST the password, and for staff the second factor on
``/account/otp/`` with a TOTP code computed from the device key the seed stored (RFC 6238,
as django-otp checks it). Each virtual user takes an account of its own, because django-otp
refuses a code already used on that device. Enterprises have no device, so no second factor.

Every request is named by page (``"工单 签收 POST"``, …) so Locust's statistics are per page;
ids in the URLs are read from the pages a person would have seen (queue, ticket list, task
list), and an action whose page shows no such item is skipped, not counted.

User classes (weights): 营商办 staff 3, department clerks 4, report clerks (supervision) 3,
leaders 1, enterprises on a phone 4, the 12345 platform's intake API 1.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import sys
import time
from pathlib import Path

from locust import HttpUser, between, task

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))
from appeals_load import ASKS, PLACES, TEXTS, TYPES, uscc  # noqa: E402

USERS = json.loads(
    Path(os.environ.get("QINQING_LOAD_USERS", BENCH / "out" / "load_users.json")).read_text(
        encoding="utf-8"
    )
)
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1 MicroMessenger/8.0.50"
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_pools = {
    role: itertools.cycle([a for a in USERS["accounts"] if a["role"] == role])
    for role in ("office_admin", "unit_staff", "report_clerk", "leader", "enterprise")
}
_run = f"{int(time.time())}-{os.getpid()}"
_serial = itertools.count()


def totp(key_hex: str, at: float | None = None) -> str:
    """The 6-digit TOTP code (30 s step, SHA-1) for a django-otp device key."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def message_of(html: str) -> str:
    """The Chinese message of an error page (web/error.html), or the start of the body."""
    found = re.search(r"<h1>无法完成操作</h1>\s*<p[^>]*>(.*?)</p>", html, re.S)
    return found.group(1).strip() if found else html[:200]


def ids(pattern: str, text: str) -> list[int]:
    return [int(x) for x in re.findall(pattern, text)]


class Person(HttpUser):
    """A person who signs in through the login page (and the second factor for staff)."""

    abstract = True
    role = ""
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.account = next(_pools[self.role])
        self.login()

    def csrf_of(self, html: str) -> str:
        found = CSRF.search(html)
        return found.group(1) if found else self.client.cookies.get("csrftoken", "")

    def login(self) -> None:
        page = self.client.get("/login/", name="登录页")
        form = {
            "csrfmiddlewaretoken": self.csrf_of(page.text),
            "username": self.account["username"],
            "password": USERS["password"],
            "next": "/",
        }
        with self.client.post(
            "/login/", data=form, name="登录 POST", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused for {self.account['username']}")
                return
        if not self.account["totp_key"]:
            return
        page = self.client.get("/account/otp/?next=/", name="动态口令页")
        form = {
            "csrfmiddlewaretoken": self.csrf_of(page.text),
            "otp_token": totp(self.account["totp_key"]),
            "next": "/",
        }
        with self.client.post(
            "/account/otp/", data=form, name="动态口令 POST", allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 302:
                response.failure(f"TOTP refused for {self.account['username']}")

    def get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code == 200 and "/login/" in response.url:
                response.failure("signed out")
            return response

    def post(self, url: str, name: str, data: dict, csrf: str, ok=(302,)):
        """POST a form as the page would; a status other than ``ok`` is a failure."""
        with self.client.post(
            url, data={"csrfmiddlewaretoken": csrf, **data}, name=name,
            allow_redirects=False, catch_response=True, headers={"Referer": self.host + url},
        ) as response:  # fmt: skip
            message = message_of(response.text)
            if response.status_code == 400 and RACE_LOST in message:
                # a colleague acted on the same ticket or appeal between this user's list
                # and POST: the page refuses with its Chinese message, as it should.
                # Reported on a row of its own (…（他人已处理）), not as an error.
                response.request_meta["name"] = f"{name}（他人已处理）"
                response.success()
            elif response.status_code not in ok:
                response.failure(f"{response.status_code}: {message}")
            return response


# the refusal a user gets when a colleague acted on the same ticket or appeal first
# ("工单当前状态为“已答复”，不能答复。", "诉求当前状态为“已派单”，不能派单。")
RACE_LOST = "当前状态为"


class OfficeStaff(Person):
    """营商办: overview list and filters, appeal details, the dispatch queue and dispatching."""

    role = "office_admin"
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.queue: list[int] = []

    @task(2)
    def home(self) -> None:
        self.get("/", "工作台 /")

    @task(4)
    def overview(self) -> None:
        self.get("/appeals/", "诉求总览 /appeals/")

    @task(1)
    def overview_filtered(self) -> None:
        state = random.choice(["dispatched", "replied", "received"])
        self.get(f"/appeals/?state={state}&page={random.randint(1, 5)}", "诉求总览 筛选")

    @task(4)
    def detail(self) -> None:
        self.get(f"/appeals/{random.randint(1, USERS['appeals'])}/", "诉求详情 /appeals/<id>/")

    @task(2)
    def queue_page(self) -> None:
        page = self.get("/appeals/queue/", "派单队列 /appeals/queue/")
        self.queue = ids(r'href="/appeals/(\d+)/#dispatch"', page.text)

    @task(1)
    def dispatch(self) -> None:
        if not self.queue:
            return
        appeal = self.queue.pop(random.randrange(len(self.queue)))
        page = self.get(f"/appeals/{appeal}/", "诉求详情 /appeals/<id>/")
        select = re.search(r'name="primary_unit"[^>]*>(.*?)</select>', page.text, re.S)
        units = ids(r'<option value="(\d+)"', select.group(1)) if select else []
        if not units:
            return  # dispatched by someone else meanwhile
        self.post(
            f"/appeals/{appeal}/dispatch/", "派单 POST", {"primary_unit": random.choice(units)},
            self.csrf_of(page.text),
        )  # fmt: skip

    @task(1)
    def figures(self) -> None:
        self.get("/appeals/figures/", "三率统计 /appeals/figures/")

    @task(1)
    def callbacks(self) -> None:
        self.get("/appeals/callbacks/", "回访 /appeals/callbacks/")


class UnitClerk(Person):
    """承办单位: the ticket list, signing and replying from the appeal page."""

    role = "unit_staff"
    weight = 4

    @task(2)
    def home(self) -> None:
        self.get("/", "工作台 /")

    @task(3)
    def tickets(self) -> None:
        self.get("/appeals/tickets/", "本单位工单 /appeals/tickets/")

    @task(2)
    def sign(self) -> None:
        self._act("sign", r"/appeals/tickets/(\d+)/acknowledge/", "签收 POST", {})

    @task(2)
    def reply(self) -> None:
        text = "经核实，已协调相关部门于本周内处理完毕，并将结果电话告知企业。"
        self._act("reply", r"/appeals/tickets/(\d+)/reply/", "答复 POST", {"reply": text})

    def _act(self, state: str, action: str, name: str, data: dict) -> None:
        page = self.get(f"/appeals/tickets/?state={state}", "本单位工单 筛选")
        appeals = ids(r'href="/appeals/(\d+)/"', page.text)
        if not appeals:
            return
        # any of the listed ones: three clerks of a unit picking among the first few would
        # mostly race for the same ticket (the loser is told it is already signed or replied)
        detail = self.get(f"/appeals/{random.choice(appeals)}/", "诉求详情 /appeals/<id>/")
        tickets = ids(action, detail.text)
        if tickets:
            self.post(action.replace(r"(\d+)", str(tickets[0])), name, data,
                      self.csrf_of(detail.text))  # fmt: skip


class ReportClerk(Person):
    """部门填报人 (督查督办): my tasks, a report slot, filing progress."""

    role = "report_clerk"
    weight = 3

    @task(2)
    def home(self) -> None:
        self.get("/", "工作台 /")

    @task(3)
    def my_tasks(self) -> None:
        page = self.get("/supervision/my/", "我的任务 /supervision/my/")
        self.reports = ids(r'href="/supervision/reports/(\d+)/"', page.text)

    @task(2)
    def report(self) -> None:
        if getattr(self, "reports", None):
            self.get(f"/supervision/reports/{random.choice(self.reports)}/",
                     "填报页 /supervision/reports/<id>/")  # fmt: skip

    @task(1)
    def file(self) -> None:
        if not getattr(self, "reports", None):
            return
        report = random.choice(self.reports)
        page = self.get(f"/supervision/reports/{report}/", "填报页 /supervision/reports/<id>/")
        if f"/supervision/reports/{report}/file/" not in page.text:
            return  # not open for filing (already submitted or accepted)
        data = {"stage": "in_progress", "narrative": "本期已完成调研和方案起草，正在征求意见。"}
        for field in re.findall(r'name="(target_\d+)"', page.text):
            data[field] = "1"
        self.post(f"/supervision/reports/{report}/file/", "报送 POST", data,
                  self.csrf_of(page.text))  # fmt: skip


class Leader(Person):
    """领导: the cockpit (the leader's home page) and the figures behind it."""

    role = "leader"
    weight = 1

    @task(3)
    def home(self) -> None:
        self.get("/", "领导驾驶舱 /")

    @task(1)
    def figures(self) -> None:
        self.get("/appeals/figures/", "三率统计 /appeals/figures/")

    @task(1)
    def overview(self) -> None:
        self.get("/supervision/", "督查总览 /supervision/")


class Enterprise(Person):
    """企业 on a phone: my appeals, one appeal's progress, submitting a new one."""

    role = "enterprise"
    weight = 4

    def on_start(self) -> None:
        self.client.headers["User-Agent"] = PHONE_UA
        super().on_start()
        self.mine: list[int] = []

    @task(2)
    def home(self) -> None:
        self.get("/", "企业首页 /")

    @task(3)
    def my_appeals(self) -> None:
        page = self.get("/appeals/", "我的诉求 /appeals/ (企业)")
        self.mine = ids(r'href="/appeals/(\d+)/"', page.text)

    @task(3)
    def progress(self) -> None:
        if self.mine:
            self.get(f"/appeals/{random.choice(self.mine)}/", "诉求进度 /appeals/<id>/ (企业)")

    @task(1)
    def submit(self) -> None:
        page = self.get("/appeals/new/", "提交诉求页 /appeals/new/")
        n = next(_serial)
        title, content = TEXTS[n % len(TEXTS)]
        data = {
            "contact_name": "钱经理",
            "contact_phone": "13800000000",
            "appeal_type": TYPES[n % len(TYPES)],
            "title": title,
            "content": f"{PLACES[n % 6]}{n % 97}号，{content}{ASKS[n % 5]}（{_run}-{n}）",
            "place": PLACES[n % 6],
        }
        self.post("/appeals/new/", "提交诉求 POST", data, self.csrf_of(page.text))


class IntakeApi(HttpUser):
    """The 12345 platform pushing appeals through the intake API (bearer token)."""

    weight = 1
    wait_time = between(0.5, 2)

    @task
    def create(self) -> None:
        n = next(_serial)
        title, content = TEXTS[n % len(TEXTS)]
        body = {
            "external_id": f"load-{_run}-{n}",
            "enterprise_uscc": uscc(n % 5000),
            "enterprise_name": f"压测企业{n % 5000}",
            "contact_name": "张经理",
            "contact_phone": "13800000000",
            "appeal_type": TYPES[n % len(TYPES)],
            "title": f"{title}（{PLACES[(n // 3) % 6]}）",
            "content": f"{PLACES[n % 6]}{n % 97}号，{content}{ASKS[(n // 7) % 5]}（{_run}-{n}）",
        }
        with self.client.post(
            "/appeals/api/v1/appeals/", json=body, name="接口受理 API POST", catch_response=True,
            headers={"Authorization": f"Bearer {USERS['api_token']}"},
        ) as response:  # fmt: skip
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code}: {response.text[:200]}")


def _one_each() -> None:
    """The baseline: one person of each kind (a module-level loop variable would be taken
    by Locust for one more user class)."""
    for kind in (OfficeStaff, UnitClerk, ReportClerk, Leader, Enterprise, IntakeApi):
        kind.fixed_count = 1


if os.environ.get("QINQING_LOAD_ONE_EACH"):
    _one_each()
