"""Cross-area and cross-enterprise attempts on every page and action, generated from the URL
configuration: a new page is attacked without anyone writing a test for it.

The victims are 示例市 (its office, units and appeals) and 甲企业 (enterprise_a); the
attackers are 邻市's office (other_officer) and 乙企业 (enterprise_b), who own nothing in this
world. Every path parameter is filled with the id of an existing object (all of them the
victims'), every URL is requested with GET and POST, and we assert that

* no answer is a 500;
* no answer shows a victim's marker text, except on the public pages of PUBLIC_PAGES;
* nothing was written: no row added or removed in any table, and no audit event (every
  state change in Qinqing writes one, so an update without a new row shows up there).
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from qinqing.core.audit.models import AuditEvent
from tests.appeals.factories import MARKET_TEXT, NAME_A
from tests.world import USCC_A

# Public by design: these answer 200 to anyone and may show what is published.
PUBLIC_PAGES = {
    "web:login",  # the sign-in form
    "jobs:healthz",  # health check for the load balancer
    "appeals:public_form",  # 码上反映: the QR code's form shows the enterprise it was printed for
    "policies:library",  # the public policy library
    "policies:detail",  # a published policy
    "inspections:public",  # 一公开: published inspection results
    "inspections:public_campaign",
    "onsite:public_lists",  # published leniency lists (免罚清单) and matters
    "onsite:public_lists_xlsx",
    "onsite:public_version",
    "onsite:public_matters",
}
# The attacker's own account: these may write (sign out, a second factor, preferences),
# never someone else's data; leaks are still checked.
OWN_ACCOUNT = {
    "web:logout",
    "accounts:otp_verify",
    "accounts:otp_setup",
    "accounts:password_change",
    "notifications:preferences",
    "notifications:mark_all_read",
    "audit:export",  # exporting the viewer's own scope is a read, audited by design (audit.exported)
}
# Not swept here: Django's admin (staff only; its own login) and static files.
SKIPPED_NAMESPACES = {"admin"}

# Text that only the victims' data contains.
MARKERS = [USCC_A, NAME_A, "甲企业", MARKET_TEXT[0], "营业执照经营范围变更"]

# Tables that change without any action of the attacker (sign-in, rate-limit bookkeeping).
VOLATILE = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}

CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def routes():
    """(url template, name) of every routed page, walking the resolver tree."""

    def walk(patterns, prefix, namespace):
        for p in patterns:
            text = str(p.pattern)
            if text.startswith("^") or "(?P" in text:
                continue  # regular-expression routes: admin and static files
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns in SKIPPED_NAMESPACES:
                    continue
                yield from walk(p.url_patterns, prefix + text, ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else p.name or ""
                yield "/" + prefix + text, name

    return sorted(set(walk(get_resolver().url_patterns, "", None)))


def _model_ids() -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {}
    for model in apps.get_models():
        if model._meta.pk.get_internal_type() not in ("AutoField", "BigAutoField"):
            continue
        rows = list(model.objects.order_by("pk").values_list("pk", flat=True)[:3])
        if rows:
            ids.setdefault(model._meta.model_name, rows)
            ids.setdefault(f"{model._meta.app_label}.{model._meta.model_name}", rows)
    return ids


def fill(template: str, name: str, ids: dict[str, list[int]]) -> str:
    app = name.split(":")[0] if ":" in name else ""

    def value(match):
        conv, param = match.group("conv") or "str", match.group("name")
        if conv == "int":
            stem = param.removesuffix("_id").replace("_", "")
            for key in (f"{app}.{stem}", stem):
                if key in ids:
                    return str(ids[key][-1])
            app_ids = [v for k, v in ids.items() if k.startswith(f"{app}.")]
            return str(app_ids[0][-1]) if app_ids else "1"
        if param == "uscc":
            return USCC_A
        if param == "code":
            from qinqing.policies.models import Policy

            policy = Policy.objects.order_by("pk").first()
            return policy.code if policy else "x"
        if param == "token":
            from qinqing.appeals.models import QrEntry

            entry = QrEntry.objects.first()
            return entry.token if entry else "x"
        if param in ("fmt", "format"):
            return "xlsx"
        return "x"

    return CONVERTER.sub(value, template)


def row_counts() -> dict[str, int]:
    return {
        m._meta.label_lower: m.objects.count()
        for m in apps.get_models()
        if m._meta.label_lower not in VOLATILE and not m._meta.proxy
    }


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.fixture(autouse=True)
def _signed_in_fully(settings):
    # the attacker has passed any second factor: the sweep tests access, not sign-in
    settings.QINQING_REQUIRE_2FA = False


@pytest.mark.slow
@pytest.mark.parametrize("attacker", ["other_officer", "enterprise_b"])
def test_no_page_or_action_leaks_or_changes_the_victims_data(attacker, scene, pw, client):
    from tests.policies.test_applications import submit

    submit(pw)  # 甲企业's policy application, owned by 市市场监管局
    world = pw.world
    # 行政区划代码: the registry's enterprises are registered in 420602 (示例市's district)
    world.city.code, world.other_city.code = "420600", "421000"
    world.city.save(update_fields=["code"])
    world.other_city.save(update_fields=["code"])
    user = world.users[attacker]
    ids = _model_ids()
    client.force_login(user)
    counts, seq = row_counts(), AuditEvent.objects.count()
    problems = []
    for template, name in routes():
        url = fill(template, name, ids)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            if status >= 500:
                problems.append(f"{method.upper()} {url} ({name}): {status}")
                continue
            if status == 200 and name not in PUBLIC_PAGES:
                text = _text(response)
                leaked = [m for m in MARKERS if m in text]
                if leaked:
                    problems.append(f"{method.upper()} {url} ({name}) shows {leaked}")
            if AuditEvent.objects.count() != seq and name not in OWN_ACCOUNT:
                event = AuditEvent.objects.order_by("-seq").first()
                problems.append(f"{method.upper()} {url} ({name}) wrote {event.verb}")
            seq = AuditEvent.objects.count()
            client.force_login(user)  # an action may have logged the attacker out
    after = row_counts()
    own = {
        "onsite.enterprisecode",  # 码上监督: the signed-in enterprise's own code, made on first view
        "audit.auditevent",  # checked per request above (own-account pages may write events)
        "audit.audithead",
        "otp_totp.totpdevice",
        "notifications.preference",
        "notifications.notificationpreference",
    }
    changed = {
        k: (counts[k], after[k]) for k in counts if counts[k] != after.get(k) and k not in own
    }
    assert not changed, f"rows changed: {changed}"
    assert not problems, "\n".join(problems)


def test_the_sweep_reaches_every_app():
    names = {name.split(":")[0] for _, name in routes() if ":" in name}
    for app in ("appeals", "policies", "plans", "supervision", "inspections", "assessment",
                "engagement", "problems", "onsite", "audit", "notifications"):  # fmt: skip
        assert app in names, app
