"""码上反映 核验: confirm that an anonymous QR submission speaks for the enterprise it names.

Until then the appeal is 未核验 and stays out of that enterprise's account (issue 14, hole 6).
The submitter confirms by logging in as the enterprise's user, or with a one-time code sent
by SMS to the phone registered on the enterprise's account. Codes are kept only as a keyed
hash, expire after ten minutes, allow five wrong entries, and at most three are sent per
appeal and hour; every step is audited.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from qinqing.appeals import rules
from qinqing.appeals.models import Appeal, IdentityCode
from qinqing.core import audit
from qinqing.core.accounts.access import has_capability, user_uscc
from qinqing.core.accounts.models import Profile, Scope
from qinqing.core.errors import InvalidInput
from qinqing.core.notifications.sms import SmsError, get_sms_adapter
from qinqing.core.privacy import mask_phone

SUBMITTER = "码上反映提交人"
SMS_KIND = "appeals.identity_code"


def _digest(appeal_id: int, code: str) -> str:
    # keyed with SECRET_KEY: six digits are too few to store as a plain hash
    return salted_hmac("qinqing.appeals.identity_code", f"{appeal_id}:{code}").hexdigest()


def registered_phone(uscc: str) -> str:
    """The mobile number on the enterprise's (first active) account, or ""."""
    profiles = (
        Profile.objects.filter(uscc=uscc, role__scope=Scope.ENTERPRISE, user__is_active=True)
        .order_by("user_id")
        .only("phone")
    )
    return next((p.phone for p in profiles if p.phone), "")


def _locked_unconfirmed(appeal: Appeal) -> Appeal:
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.identity_confirmed:
        raise InvalidInput("这件诉求的企业身份已经核验，无需再次确认。")
    return appeal


@transaction.atomic
def send_identity_code(appeal: Appeal, *, now: dt.datetime) -> str:
    """Send a code to the enterprise's registered phone; returns the number, masked."""
    appeal = _locked_unconfirmed(appeal)
    phone = registered_phone(appeal.enterprise_uscc)
    if not phone:
        raise InvalidInput(
            f"“{appeal.enterprise_name}”在亲清没有登记手机号，无法发送验证码。"
            "请用该企业的账号登录后确认，或联系营商办。"
        )
    sent = list(appeal.identity_codes.values_list("sent_at", flat=True))
    problem = rules.identity_code_send_problem(sent, now)
    if problem:
        raise InvalidInput(problem)
    code = f"{secrets.randbelow(10**6):06d}"
    masked = mask_phone(phone)
    IdentityCode.objects.create(
        appeal=appeal,
        code_hash=_digest(appeal.pk, code),
        phone=masked,
        sent_at=now,
        expires_at=now + rules.IDENTITY_CODE_TTL,
    )
    text = (
        f"您正在确认诉求 {appeal.number} 由贵企业提交，验证码 {code}，10 分钟内有效。"
        "如非贵企业提交，请勿告诉他人。"
    )
    try:
        get_sms_adapter().send(phone, text, kind=SMS_KIND, now=now)
    except SmsError:
        raise InvalidInput("验证码短信发送失败，请稍后再试，或登录企业账号确认。") from None
    audit.record(SUBMITTER, "appeal.identity_code_sent", appeal, after={"phone": masked}, now=now)
    return masked


def confirm_identity_with_code(appeal: Appeal, code: str, *, now: dt.datetime) -> Appeal:
    """A correct code moves the appeal into the enterprise's account.

    A wrong code is counted (and audited) even though the caller is told no: the count
    is committed before the refusal is raised.
    """
    code = (code or "").strip()
    with transaction.atomic():
        appeal = _locked_unconfirmed(appeal)
        row = appeal.identity_codes.filter(used_at__isnull=True).order_by("-sent_at").first()
        problem = rules.identity_code_problem(
            code,
            expires_at=row.expires_at if row else None,
            attempts=row.attempts if row else 0,
            now=now,
        )
        if problem is None and row is not None:
            if constant_time_compare(row.code_hash, _digest(appeal.pk, code)):
                row.used_at = now
                row.save(update_fields=["used_at"])
                return _confirm(appeal, actor=SUBMITTER, now=now, method="sms")
            row.attempts += 1
            row.save(update_fields=["attempts"])
            problem = rules.wrong_code_message(row.attempts)
            audit.record(
                SUBMITTER,
                "appeal.identity_code_refused",
                appeal,
                after={"attempts": row.attempts},
                now=now,
            )
    raise InvalidInput(problem or rules.wrong_code_message(0))


@transaction.atomic
def confirm_identity_by_login(appeal: Appeal, *, actor, now: dt.datetime) -> Appeal:
    """The enterprise's own signed-in user vouches for the submission."""
    appeal = _locked_unconfirmed(appeal)
    uscc = user_uscc(actor)
    if not has_capability(actor, "appeals.submit") or uscc != appeal.enterprise_uscc:
        raise InvalidInput(
            f"您登录的账号不是“{appeal.enterprise_name}”（{appeal.enterprise_uscc}）的企业账号，"
            "不能确认这件诉求。请退出后用该企业的账号登录，或使用短信验证码。"
        )
    appeal.submitted_by = actor
    appeal.save(update_fields=["submitted_by"])
    return _confirm(appeal, actor=actor, now=now, method="login")


def _confirm(appeal: Appeal, *, actor, now: dt.datetime, method: str) -> Appeal:
    appeal.identity_confirmed = True
    appeal.save(update_fields=["identity_confirmed"])
    audit.record(
        actor,
        "appeal.identity_confirmed",
        appeal,
        before={"identity_confirmed": False},
        after={"identity_confirmed": True, "method": method},
        now=now,
    )
    return appeal
