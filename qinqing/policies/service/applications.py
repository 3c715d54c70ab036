"""依申请兑现: submit, resubmit, return, approve, reject and pay an application."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import PurePath

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.accounts.access import (
    require_capability,
    user_uscc,
)
from qinqing.core.enterprises.attributes import ENTERPRISE_ATTRIBUTES
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.enterprises.service import CORE_FIELDS
from qinqing.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from qinqing.core.files.uploads import check_upload
from qinqing.core.notifications import notify_enterprise, notify_unit
from qinqing.core.workdays import TimeLimit, due_at, get_calendar
from qinqing.policies import queries, rules
from qinqing.policies import service as service_package
from qinqing.policies.models import (
    OPEN_APPLICATION_STATES,
    Application,
    ApplicationMaterial,
    ApplicationState,
    ApplicationStep,
    Budget,
    Delivery,
    Policy,
)
from qinqing.policies.rules import yuan
from qinqing.policies.service._common import _label, _money, _today, _user

MATERIAL_TYPES = ("pdf", "ofd", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "zip")


def registry_snapshot(uscc: str) -> dict:
    """What the registry says about the enterprise, shown pre-filled on the application."""

    enterprise = Enterprise.objects.filter(uscc=uscc).first()
    if enterprise is None:
        return {}
    out = {}
    for a in ENTERPRISE_ATTRIBUTES:
        if a.name == "uscc":
            continue
        raw = (
            getattr(enterprise, a.name, None)
            if a.name in CORE_FIELDS or a.name == "name"
            else enterprise.attributes.get(a.name)
        )
        if raw in (None, ""):
            continue
        out[a.label] = a.display(raw)
    return out


def _check_files(policy: Policy, files: dict, *, required: bool) -> None:
    needed = policy.materials_list
    limit = getattr(settings, "QINQING_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
    if required:
        missing = [name for name in needed if not files.get(name)]
        if missing:
            raise InvalidInput(
                f"缺少所需材料：{'、'.join(missing)}。请逐项上传后再提交（支持 PDF、图片、Word、Excel）。"
            )
    for name, upload in files.items():
        if upload is None:
            continue
        if name not in needed:
            raise InvalidInput(f"“{name}”不是本政策要求的材料，请按所列材料上传。")
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        check_upload(
            upload.name,
            upload.size,
            head,
            max_bytes=limit,
            allowed=MATERIAL_TYPES,
            what=f"材料“{name}”的文件",
        )


def _store_files(application: Application, files: dict, now: dt.datetime) -> None:
    for name, upload in files.items():
        if upload is None:
            continue
        data = upload.read()
        upload.seek(0)
        digest = hashlib.sha256(data).hexdigest()
        application.materials.filter(name=name).delete()
        material = ApplicationMaterial(
            application=application, name=name, original_name=PurePath(upload.name).name[:200],
            size=len(data), sha256=digest, uploaded_at=now,
        )  # fmt: skip
        material.file.save(upload.name, upload, save=False)
        material.save()


def _review_due(now: dt.datetime, policy: Policy) -> dt.datetime:

    return due_at(now, TimeLimit(policy.review_limit_workdays), calendar=get_calendar())


def _step(application: Application, action: str, actor, comment: str, now: dt.datetime) -> None:
    ApplicationStep.objects.create(
        application=application, action=action, actor_label=_label(actor), comment=comment, at=now
    )


def _notify_enterprise(application: Application, title: str, body: str, now: dt.datetime) -> None:
    notify_enterprise(
        application.uscc, kind="policies.application", title=title, body=body,
        url=application.get_absolute_url(), now=now,
    )  # fmt: skip


def _refuse_second_open_application(policy: Policy, uscc: str, *, exclude_pk=None) -> None:
    """One open application per enterprise and policy (the database enforces it as well)."""
    others = Application.objects.filter(policy=policy, uscc=uscc, state__in=OPEN_APPLICATION_STATES)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    open_one = others.order_by("pk").first()
    if open_one is not None:
        raise InvalidInput(
            f"您的企业已申报“{policy.title}”（编号 {open_one.number}，{open_one.get_state_display()}），"
            "请在原申报中继续办理。"
        )


@transaction.atomic
def submit_application(
    policy: Policy, *, actor, data: dict, files: dict, now: dt.datetime
) -> Application:
    """在线申报 (一次申报、全程网办): the enterprise applies with the required materials.

    ``data``: contact_name, contact_phone, bank_account, requested_amount, statement;
    ``files``: material name → uploaded file. The review clock starts now.
    """
    require_capability(actor, "policies.mine")
    uscc = user_uscc(actor)
    if not uscc:
        raise PermissionDenied("您的账号没有绑定统一社会信用代码，不能申报政策。请联系营商办。")
    if policy.delivery != Delivery.APPLICATION:
        raise InvalidInput(
            f"“{policy.title}”为免申即享政策，无需申报：符合条件的企业经审批后直接兑现。"
        )
    today = _today(now)
    if policy.starts_on and today < policy.starts_on or policy.ends_on and today > policy.ends_on:
        raise InvalidInput(
            f"“{policy.title}”的申报期为 {policy.starts_on or '不限'} 至 {policy.ends_on or '不限'}，"
            "今天不在申报期内。"
        )
    # looked up on the package, where a test stands in for this pre-check to let the
    # database constraint decide a race (tests/security/test_policy_application_race.py)
    service_package._refuse_second_open_application(policy, uscc)
    for name in ("contact_name", "contact_phone", "bank_account"):
        if not (data.get(name) or "").strip():
            label = {
                "contact_name": "联系人",
                "contact_phone": "联系电话",
                "bank_account": "收款账户",
            }
            raise InvalidInput(f"请填写“{label[name]}”。")
    amount = _money(data.get("requested_amount"), "申请金额")
    _check_files(policy, files, required=True)
    profile_name = getattr(getattr(actor, "profile", None), "enterprise_name", "")
    snapshot = registry_snapshot(uscc)
    rule = policy.rules.filter(active=True).first()
    try:
        # the savepoint keeps the caller's transaction usable when a simultaneous submission
        # of the same enterprise won the race for the one_open_application_per_policy row
        with transaction.atomic():
            application = Application.objects.create(
                policy=policy, rule=rule, uscc=uscc,
                enterprise_name=(snapshot.get("名称") or profile_name or uscc)[:200],
                applicant=_user(actor), contact_name=data["contact_name"].strip()[:50],
                contact_phone=data["contact_phone"].strip()[:30],
                bank_account=data["bank_account"].strip()[:100], requested_amount=amount,
                statement=(data.get("statement") or "").strip(), registry_snapshot=snapshot,
                submitted_at=now, review_due_at=_review_due(now, policy), created_at=now,
            )  # fmt: skip
    except IntegrityError:
        service_package._refuse_second_open_application(policy, uscc)
        raise InvalidInput(
            f"您的企业已申报“{policy.title}”，请勿重复提交；请在原申报中继续办理。"
        ) from None
    _store_files(application, files, now)
    _step(application, "提交申报", actor, application.statement, now)
    notify_unit(
        policy.owner_unit, capability="policies.review", kind="policies.application",
        title=f"新的政策申报待审核：{application.enterprise_name}",
        body=f"“{policy.title}”，请于 {timezone.localtime(application.review_due_at):%Y-%m-%d} 前审核。",
        url=application.get_absolute_url(), key=f"application-submitted:{application.pk}", now=now,
    )  # fmt: skip
    audit.record(
        actor, "application.submitted", application,
        after={"policy": policy.code, "amount": amount, "materials": sorted(files)}, now=now,
    )  # fmt: skip
    return application


@transaction.atomic
def resubmit_application(
    application: Application, *, actor, data: dict, files: dict, now: dt.datetime
) -> Application:
    """补正后重新提交: only the applicant enterprise, only after a return; the clock restarts."""
    require_capability(actor, "policies.mine")
    if application.uscc != user_uscc(actor):
        raise PermissionDenied("只能办理本企业的申报。")
    application = Application.objects.select_for_update().get(pk=application.pk)
    rules.check_application_transition(application.state, ApplicationState.SUBMITTED)
    _check_files(application.policy, files, required=False)
    for name in ("contact_name", "contact_phone", "bank_account", "statement"):
        value = (data.get(name) or "").strip()
        if value:
            setattr(application, name, value)
    if data.get("requested_amount"):
        application.requested_amount = _money(data["requested_amount"], "申请金额")
    _store_files(application, files, now)
    have = set(application.materials.values_list("name", flat=True))
    missing = [m for m in application.policy.materials_list if m not in have]
    if missing:
        raise InvalidInput(f"缺少所需材料：{'、'.join(missing)}。请上传后再提交。")
    application.state = ApplicationState.SUBMITTED
    application.submitted_at = now
    application.review_due_at = _review_due(now, application.policy)
    application.save()
    _step(application, "补正后重新提交", actor, data.get("statement", ""), now)
    audit.record(actor, "application.resubmitted", application,
                 before={"state": "returned"}, after={"state": "submitted"}, now=now)  # fmt: skip
    return application


def _reviewable(application: Application, actor, target: str) -> Application:
    queries.require_reviewer(actor, application)
    locked = Application.objects.select_for_update().select_related("policy").get(pk=application.pk)
    rules.check_application_transition(locked.state, target)
    return locked


@transaction.atomic
def return_application(
    application: Application, *, actor, comment: str, now: dt.datetime
) -> Application:
    """退回补正: the department says what to correct; the enterprise resubmits."""
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput("退回补正须写明需要补正的内容，企业才知道怎么改。")
    application = _reviewable(application, actor, ApplicationState.RETURNED)
    application.state = ApplicationState.RETURNED
    application.reviewed_at, application.reviewed_by = now, _user(actor)
    application.review_comment = comment
    application.save()
    _step(application, "退回补正", actor, comment, now)
    _notify_enterprise(application, f"“{application.policy.title}”申报需要补正", comment, now)
    audit.record(actor, "application.returned", application,
                 before={"state": "submitted"}, after={"state": "returned", "comment": comment},
                 now=now)  # fmt: skip
    return application


@transaction.atomic
def approve_application(
    application: Application, *, actor, amount, comment: str, now: dt.datetime
) -> Application:
    """审核通过: the approved amount is committed from the policy's 资金池 for this year."""
    application = _reviewable(application, actor, ApplicationState.APPROVED)
    value = _money(amount, "核定金额")
    policy = application.policy
    # checked again at approval: money is committed once per enterprise and policy, even if a
    # duplicate slipped in before the database constraint existed
    others = Application.objects.filter(
        policy=policy, uscc=application.uscc, state__in=OPEN_APPLICATION_STATES
    ).exclude(pk=application.pk)
    duplicate = others.order_by("pk").first()
    if duplicate is not None:
        raise InvalidInput(
            f"该企业对“{policy.title}”另有一件未办结的申报（编号 {duplicate.number}，"
            f"{duplicate.get_state_display()}），同一企业同一政策只能兑现一次。"
            "请先办结或不予兑现重复的申报。"
        )
    year = _today(now).year
    budget = Budget.objects.select_for_update().filter(policy=policy, year=year).first()
    if budget is None:
        raise InvalidInput(
            f"“{policy.title}”{year} 年度还没有资金池，不能核定金额。请先在“资金与清单”中设置资金池。"
        )
    rules.check_budget(
        policy_title=policy.title, year=year, total=budget.total, committed=budget.committed,
        paid=budget.paid, amount=value, what="本申报",
    )  # fmt: skip
    Budget.objects.filter(pk=budget.pk).update(committed=F("committed") + value, updated_at=now)
    application.state = ApplicationState.APPROVED
    application.approved_amount, application.budget = value, budget
    application.reviewed_at, application.reviewed_by = now, _user(actor)
    application.review_comment = (comment or "").strip()
    application.save()
    _step(
        application, "审核通过", actor, f"核定金额 {yuan(value)}。{application.review_comment}", now
    )
    _notify_enterprise(
        application, f"“{policy.title}”申报已审核通过",
        f"核定金额 {yuan(value)}，资金拨付后将再次通知您。", now,
    )  # fmt: skip
    audit.record(actor, "application.approved", application,
                 before={"state": "submitted"}, after={"state": "approved", "amount": value},
                 now=now)  # fmt: skip
    return application


@transaction.atomic
def reject_application(
    application: Application, *, actor, comment: str, now: dt.datetime
) -> Application:
    """不予兑现, with the reason the enterprise will read."""
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput("不予兑现须写明理由（对照申请条件说明哪一条不符合）。")
    application = _reviewable(application, actor, ApplicationState.REJECTED)
    application.state = ApplicationState.REJECTED
    application.reviewed_at, application.reviewed_by = now, _user(actor)
    application.review_comment = comment
    application.save()
    _step(application, "不予兑现", actor, comment, now)
    _notify_enterprise(application, f"“{application.policy.title}”申报未通过", comment, now)
    audit.record(actor, "application.rejected", application,
                 before={"state": "submitted"}, after={"state": "rejected", "comment": comment},
                 now=now)  # fmt: skip
    return application


@transaction.atomic
def record_application_payment(
    application: Application, *, actor, paid_on: dt.date, payment_ref: str, now: dt.datetime
) -> Application:
    """登记拨付: the committed amount moves to paid in the 资金池."""
    application = _reviewable(application, actor, ApplicationState.PAID)
    if paid_on > _today(now):
        raise InvalidInput(f"拨付日期 {paid_on} 晚于今天，请填写实际拨付日期。")
    amount = application.approved_amount
    if amount is None or application.budget is None:  # _reviewable let only approved ones in
        raise IllegalTransition("这份申报还没有核定金额，不能登记拨付。")
    Budget.objects.filter(pk=application.budget.pk).update(
        committed=F("committed") - amount, paid=F("paid") + amount, updated_at=now
    )
    application.state = ApplicationState.PAID
    application.paid_on, application.payment_ref = paid_on, (payment_ref or "").strip()[:100]
    application.save()
    _step(application, "登记拨付", actor, f"{paid_on} 拨付 {yuan(amount)}", now)
    _notify_enterprise(
        application, f"“{application.policy.title}”资金已拨付",
        f"{paid_on} 已拨付 {yuan(amount)}，请注意查收。", now,
    )  # fmt: skip
    audit.record(actor, "application.paid", application,
                 after={"amount": amount, "paid_on": paid_on, "ref": application.payment_ref},
                 now=now)  # fmt: skip
    return application
