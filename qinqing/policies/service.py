"""State changes of policy delivery: one atomic, audited function per action (STYLE.md §2).

Every function takes ``now`` from its caller (views, jobs) and raises a ``QinqingError``
with a Chinese message; nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.accounts.access import (
    require_capability,
    user_uscc,
    visible_units,
)
from qinqing.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from qinqing.core.files.uploads import check_upload
from qinqing.core.notifications import notify_enterprise, notify_enterprises, notify_unit
from qinqing.policies import queries, rules
from qinqing.policies.engine.spec import (
    check_new_version,
    parse_policy,
    validate_policy_text,
)
from qinqing.policies.matching import explain_result, parse_rule, registry_digest, stored_registry
from qinqing.policies.models import (
    OPEN_APPLICATION_STATES,
    Application,
    ApplicationMaterial,
    ApplicationState,
    ApplicationStep,
    Budget,
    Delivery,
    FitAnswer,
    FundArrival,
    GrantBatch,
    GrantBatchState,
    GrantLine,
    MatchResult,
    Policy,
    PolicyPush,
    PolicyRule,
    PushFeedback,
    ServiceTarget,
    ServiceTargetList,
)
from qinqing.policies.rules import yuan
from qinqing.policies.search import tokens_column

MATERIAL_TYPES = ("pdf", "ofd", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "zip")


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return str(actor or "系统")
    return actor.get_full_name() or actor.get_username()


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


# ---------------------------------------------------------------- library

POLICY_FIELDS = (
    "title", "document", "article", "document_number", "issuer_unit", "issuer_name",
    "owner_unit", "beneficiaries", "conditions_text", "materials", "procedure", "contact",
    "starts_on", "ends_on", "delivery", "amount_text", "industry_tags", "size_tags",
    "region_tags", "is_public", "review_limit_workdays",
)  # fmt: skip


def _index(policy: Policy) -> None:
    policy.tokens = tokens_column(
        policy.title, policy.document, policy.article, policy.document_number, policy.issuer,
        policy.beneficiaries, policy.conditions_text, policy.materials, policy.procedure,
        policy.amount_text, policy.industry_tags, policy.size_tags, policy.region_tags,
        policy.get_delivery_display(),
    )  # fmt: skip


def _check_policy(policy: Policy, actor) -> None:
    if policy.starts_on and policy.ends_on and policy.ends_on < policy.starts_on:
        raise InvalidInput(
            f"截止日期（{policy.ends_on}）早于起始日期（{policy.starts_on}），请检查起止时间。"
        )
    if not visible_units(actor).filter(pk=policy.owner_unit_id).exists():
        raise PermissionDenied("承办单位须是您所在地区的单位。")


@transaction.atomic
def create_policy(*, actor, data: dict, now: dt.datetime) -> Policy:
    """录入政策: a new policy in the library (its rule is saved separately)."""
    require_capability(actor, "policies.manage")
    code = (data.get("code") or "").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", code):
        raise InvalidInput(
            f"政策编号“{code}”不符合要求：只能用小写字母、数字和连字符，以字母或数字开头，"
            "如 grad-hiring-subsidy。"
        )
    if Policy.objects.filter(code=code).exists():
        raise InvalidInput(f"政策编号“{code}”已被使用，请换一个编号。")
    policy = Policy(code=code, created_at=now, updated_at=now, created_by=_user(actor))
    for name in POLICY_FIELDS:
        if name in data:
            setattr(policy, name, data[name])
    _check_policy(policy, actor)
    _index(policy)
    policy.save()
    audit.record(
        actor, "policy.created", policy, after={"code": code, "title": policy.title}, now=now
    )
    return policy


@transaction.atomic
def update_policy(policy: Policy, *, actor, data: dict, now: dt.datetime) -> Policy:
    """修改政策信息 (library fields; the code and the rules are not changed here)."""
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, policy)
    before = {n: str(getattr(policy, n)) for n in POLICY_FIELDS}
    for name in POLICY_FIELDS:
        if name in data:
            setattr(policy, name, data[name])
    _check_policy(policy, actor)
    _index(policy)
    policy.updated_at = now
    policy.save()
    after = {n: str(getattr(policy, n)) for n in POLICY_FIELDS}
    changed = {n: after[n] for n in POLICY_FIELDS if before[n] != after[n]}
    audit.record(
        actor, "policy.updated", policy, before={n: before[n] for n in changed}, after=changed,
        now=now,
    )  # fmt: skip
    return policy


# ---------------------------------------------------------------- rules


def check_rule_text(policy: Policy, text: str) -> list[str]:
    """Problems of a rule text for this policy, in Chinese (empty when it can be saved)."""
    name = f"{policy.code}.yaml"
    errors = [str(e) for e in validate_policy_text(text, name)]
    if errors:
        return errors
    parsed = parse_policy(text, name)
    if parsed.id != policy.code:
        return [
            f"{name}：规则的 id 为“{parsed.id}”，与政策编号“{policy.code}”不一致。"
            f"请把第一行改为 id: {policy.code}。"
        ]
    current = policy.rules.filter(active=True).first()
    highest = policy.rules.order_by("-version").values_list("version", flat=True).first()
    if current is not None:
        old = parse_rule(current.yaml_text, name)
        if old.digest == parsed.digest and old.version == parsed.version:
            return [
                f"{name}：规则内容与现行第 {current.version} 版相同（只改注释或排版不算修改），"
                "没有保存新版本。"
            ]
        try:
            check_new_version(old, parsed)
        except InvalidInput as exc:
            return [f"{name}：{exc.message}"]
    if highest is not None and parsed.version <= highest:
        return [
            f"{name}：版本号 {parsed.version} 已经用过（最高为第 {highest} 版）。"
            f"请把 version 改为 {highest + 1}。"
        ]
    return []


@transaction.atomic
def save_policy_rule(
    policy: Policy, text: str, *, actor, now: dt.datetime, source: str = ""
) -> PolicyRule:
    """保存规则: validate, then store the text as a new active version.

    Old versions stay (every stored decision points at the version it used).
    """
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, policy)
    Policy.objects.select_for_update().filter(pk=policy.pk).first()
    problems = check_rule_text(policy, text)
    if problems:
        raise InvalidInput("规则未保存，请修改以下问题：\n" + "\n".join(problems))
    parsed = parse_policy(text, f"{policy.code}.yaml")
    current = policy.rules.filter(active=True).first()
    if current is not None:
        current.active = False
        current.save(update_fields=["active"])
    rule = PolicyRule.objects.create(
        policy=policy,
        version=parsed.version,
        yaml_text=text,
        digest=parsed.digest,
        version_note=parsed.version_note[:300],
        source=source[:200],
        active=True,
        created_at=now,
        created_by=_user(actor),
    )
    audit.record(
        actor,
        "policy_rule.saved",
        rule,
        before={"version": current.version, "digest": current.digest} if current else None,
        after={"version": rule.version, "digest": rule.digest, "note": rule.version_note},
        now=now,
    )
    return rule


# ---------------------------------------------------------------- 精准推送 and feedback


@transaction.atomic
def push_policy(policy: Policy, *, actor, now: dt.datetime) -> PolicyPush:
    """精准推送: notify every enterprise on the policy's current list (eligible and near
    misses), once per matching run."""
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, policy)
    results = MatchResult.objects.filter(policy=policy, current=True)
    run_id = results.order_by("-run_id").values_list("run_id", flat=True).first()
    if run_id is None:
        raise InvalidInput(f"“{policy.title}”还没有匹配结果，请先运行政策匹配再推送。")
    existing = PolicyPush.objects.filter(policy=policy, run_id=run_id).first()
    if existing is not None:
        raise IllegalTransition(
            f"“{policy.title}”本次匹配的结果已于 {timezone.localtime(existing.created_at):%Y-%m-%d %H:%M} "
            "推送过，不会重复推送。重新运行政策匹配后可再次推送。"
        )
    link = "/policies/mine/"
    if policy.delivery == Delivery.AUTO_GRANT:
        hint = "本政策免申即享：无需申请，经审批后资金直接拨付到企业账户。"
    else:
        hint = "本政策需要申报：请在“我的政策”中查看条件并在线申报，所需材料已按企业库信息预填。"
    notes = []
    eligible = near = 0
    key = f"policy-push:{policy.pk}:{run_id}"
    for r in results.filter(run_id=run_id).iterator(chunk_size=2000):
        if r.eligible:
            eligible += 1
            notes.append((r.uscc, {
                "kind": "policies.push", "url": link, "key": key,
                "title": f"您的企业符合“{policy.title}”",
                "body": f"按{policy.reference}测算，您的企业可享受 {yuan(r.amount)}。{hint}",
            }))  # fmt: skip
        else:
            near += 1
            notes.append((r.uscc, {
                "kind": "policies.push", "url": link, "key": key,
                "title": f"“{policy.title}”：您的企业只差一个条件",
                "body": f"{r.reason}。具备条件后即可享受。",
            }))  # fmt: skip
    # enterprises without an account on the platform see the policy under 我的政策 once
    # they register (the match results stay); only accounts get a message
    notify_enterprises(notes, now=now)
    push = PolicyPush.objects.create(
        policy=policy, run_id=run_id, eligible_recipients=eligible, near_miss_recipients=near,
        created_at=now, created_by=_user(actor),
    )  # fmt: skip
    audit.record(
        actor, "policy.pushed", push, after={"policy": policy.code, "run": run_id,
                                            "eligible": eligible, "near_misses": near}, now=now,
    )  # fmt: skip
    return push


@transaction.atomic
def record_push_feedback(
    result: MatchResult, *, actor, answer: str, comment: str, now: dt.datetime
) -> PushFeedback:
    """「这条推送是否符合我的情况」: the enterprise's answer (one per result, may be changed)."""
    require_capability(actor, "policies.mine")
    if result.uscc != user_uscc(actor):
        raise PermissionDenied("只能对本企业收到的推送作出反馈。")
    if answer not in FitAnswer.values:
        raise InvalidInput("请选择“符合我的情况”“部分符合”或“不符合我的情况”之一。")
    feedback = PushFeedback.objects.filter(result=result).first()
    before = {"answer": feedback.answer, "comment": feedback.comment} if feedback else None
    if feedback is None:
        feedback = PushFeedback(result=result, policy_id=result.policy_id, uscc=result.uscc,
                                created_at=now)  # fmt: skip
    feedback.answer, feedback.comment, feedback.updated_at = answer, comment[:500], now
    feedback.save()
    audit.record(
        actor, "push_feedback.recorded", result, before=before,
        after={"answer": answer, "comment": feedback.comment}, now=now,
    )  # fmt: skip
    return feedback


# ---------------------------------------------------------------- 依申请兑现


def registry_snapshot(uscc: str) -> dict:
    """What the registry says about the enterprise, shown pre-filled on the application."""
    from qinqing.core.enterprises.attributes import ENTERPRISE_ATTRIBUTES
    from qinqing.core.enterprises.models import Enterprise
    from qinqing.core.enterprises.service import CORE_FIELDS

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


def _money(value, what: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(
            f"{what}“{value}”不是有效金额，请填写数字，如 30000 或 30000.00。"
        ) from exc
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"{what}应大于 0，最多两位小数，现为“{value}”。")
    return amount


def _review_due(now: dt.datetime, policy: Policy) -> dt.datetime:
    from qinqing.core.workdays import TimeLimit, due_at, get_calendar

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
    _refuse_second_open_application(policy, uscc)
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
        _refuse_second_open_application(policy, uscc)
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
    Budget.objects.filter(pk=application.budget_id).update(
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


# ---------------------------------------------------------------- 资金池 and funds from above


@transaction.atomic
def set_budget(policy: Policy, *, year: int, total, actor, now: dt.datetime) -> Budget:
    """设置资金池总额 (本级安排); never below what is already committed and paid."""
    queries.require_delivery_manager(actor, policy)
    value = Decimal(str(total))
    if value < 0:
        raise InvalidInput("资金总额不能为负数。")
    budget, _ = Budget.objects.select_for_update().get_or_create(
        policy=policy, year=year, defaults={"updated_at": now}
    )
    used = budget.committed + budget.paid
    if value < used:
        raise InvalidInput(
            f"资金总额不能少于已核定待拨付与已拨付之和 {yuan(used)}（现填 {yuan(value)}）。"
        )
    before = budget.total
    budget.total, budget.updated_at = value, now
    budget.save(update_fields=["total", "updated_at"])
    audit.record(actor, "budget.set", budget, before={"total": before},
                 after={"total": value, "year": year}, now=now)  # fmt: skip
    return budget


@transaction.atomic
def record_fund_arrival(
    policy: Policy, *, year: int, amount, source: str, document_number: str,
    arrived_on: dt.date, actor, now: dt.datetime,
) -> FundArrival:  # fmt: skip
    """登记上级资金到达: the money joins the 资金池 and the 15-natural-day clock starts."""
    from qinqing.core.workdays import get_calendar

    queries.require_delivery_manager(actor, policy)
    value = _money(amount, "到达金额")
    if not (source or "").strip():
        raise InvalidInput("请填写资金的上级来源（如“省财政厅”）。")
    today = _today(now)
    if arrived_on > today:
        raise InvalidInput(f"到达日期 {arrived_on} 晚于今天，请填写资金实际到达本级的日期。")
    budget, _ = Budget.objects.select_for_update().get_or_create(
        policy=policy, year=year, defaults={"updated_at": now}
    )
    Budget.objects.filter(pk=budget.pk).update(total=F("total") + value, updated_at=now)
    due = rules.fund_due_on(arrived_on, calendar=get_calendar())
    arrival = FundArrival.objects.create(
        budget=budget, amount=value, source=source.strip()[:200],
        document_number=(document_number or "").strip()[:100], arrived_on=arrived_on, due_on=due,
        overdue=rules.fund_overdue(due=due, disbursed_on=None, today=today),
        created_at=now, created_by=_user(actor),
    )  # fmt: skip
    audit.record(actor, "fund.arrived", arrival,
                 after={"amount": value, "source": arrival.source, "arrived_on": arrived_on,
                        "due_on": due}, now=now)  # fmt: skip
    return arrival


@transaction.atomic
def record_fund_disbursement(
    arrival: FundArrival, *, disbursed_on: dt.date, note: str, actor, now: dt.datetime
) -> FundArrival:
    """登记下达或拨付 of funds from above (the 15-day clock stops)."""
    queries.require_delivery_manager(actor, arrival.budget.policy)
    arrival = FundArrival.objects.select_for_update().get(pk=arrival.pk)
    if arrival.disbursed_on is not None:
        raise IllegalTransition(
            f"这笔资金已于 {arrival.disbursed_on} 登记下达或拨付，不能重复登记。"
        )
    if disbursed_on < arrival.arrived_on or disbursed_on > _today(now):
        raise InvalidInput(
            f"下达或拨付日期应在到达日期 {arrival.arrived_on} 与今天之间，现为 {disbursed_on}。"
        )
    if not (note or "").strip():
        raise InvalidInput("请说明资金去向（如“下达示例县财政局”或“直接拨付至 12 家企业”）。")
    arrival.disbursed_on, arrival.disbursement_note = disbursed_on, note.strip()[:300]
    arrival.overdue = rules.fund_overdue(
        due=arrival.due_on, disbursed_on=disbursed_on, today=_today(now)
    )
    arrival.save(update_fields=["disbursed_on", "disbursement_note", "overdue"])
    audit.record(actor, "fund.disbursed", arrival,
                 after={"disbursed_on": disbursed_on, "note": arrival.disbursement_note,
                        "overdue": arrival.overdue}, now=now)  # fmt: skip
    return arrival


# ---------------------------------------------------------------- 服务对象清单


@transaction.atomic
def refresh_service_target_list(policy: Policy, *, actor, now: dt.datetime) -> ServiceTargetList:
    """更新本季度服务对象清单 from the policy's current matching results."""
    queries.require_delivery_manager(actor, policy)
    year, quarter = rules.quarter_of(_today(now))
    target_list, _ = ServiceTargetList.objects.select_for_update().get_or_create(
        policy=policy, year=year, quarter=quarter,
        defaults={"unit": policy.owner_unit,
                  "due_on": rules.target_list_due_on(year, quarter)},
    )  # fmt: skip
    results = MatchResult.objects.filter(policy=policy, current=True)
    latest_year = results.order_by("-year").values_list("year", flat=True).first()
    if latest_year is None:
        raise InvalidInput(
            f"“{policy.title}”还没有匹配结果，无法生成服务对象清单。请先运行政策匹配。"
        )
    results = results.filter(year=latest_year)
    target_list.entries.all().delete()
    ServiceTarget.objects.bulk_create(
        [
            ServiceTarget(
                target_list=target_list,
                uscc=r.uscc,
                enterprise_name=r.enterprise_name,
                eligible=r.eligible,
                amount=r.amount,
                reason=r.reason,
            )  # fmt: skip
            for r in results.iterator(chunk_size=2000)
        ],
        batch_size=2000,
    )
    before = target_list.entry_count if target_list.refreshed_at else None
    target_list.entry_count = target_list.entries.count()
    target_list.refreshed_at, target_list.refreshed_by = now, _user(actor)
    target_list.run_id = results.order_by("-run_id").values_list("run_id", flat=True).first()
    target_list.save()
    audit.record(actor, "service_target_list.refreshed", target_list,
                 before={"entries": before}, after={"entries": target_list.entry_count,
                                                    "quarter": f"{year}Q{quarter}"},
                 now=now)  # fmt: skip
    return target_list


# ---------------------------------------------------------------- 免申即享 grant batches


def _lines_digest(lines) -> str:
    text = "".join(f"{seq},{uscc},{amount:.2f}\n" for seq, uscc, amount in lines)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _bases(
    policy: Policy, rule: PolicyRule, results: list[MatchResult], year: int, registry
) -> list[str]:
    """依据 per line: the article, the rule version and the award items that count.

    Vectorised over the batch's rows with the engine's own condition and amount code (the
    same that ``explain`` uses): an additive item counts when it pays; in a 不重复奖励组
    only the group's highest item (the first of equal ones) counts.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from qinqing.policies.engine.evaluate import _Context, item_amount

    head = f"{policy.reference}（规则 {policy.code} 第 {rule.version} 版）"
    if not results:
        return []
    parsed = parse_rule(rule.yaml_text, f"{policy.code}.yaml")
    codes = pa.array([r.uscc for r in results], pa.string())
    rows = pc.index_in(codes, value_set=registry.uscc).to_numpy(zero_copy_only=False)
    sub = registry.take(rows.astype(np.int64))
    ctx = _Context(sub, year)
    n = len(sub)

    def pays(item) -> np.ndarray:
        mask = np.ones(n, dtype=bool)
        for condition in item.when:
            mask &= ctx.compute(condition, parsed)
        return item_amount(item, mask, sub)

    counted: list[list[str]] = [[] for _ in range(n)]
    for item in parsed.items:
        for i in np.flatnonzero(pays(item) > 0):
            counted[i].append(item.title)
    for group in parsed.groups:
        amounts = np.stack([pays(item) for item in group.items])
        best = amounts.argmax(axis=0)
        for i in np.flatnonzero(amounts.max(axis=0) > 0):
            counted[i].append(group.items[int(best[i])].title)
    return [f"{head}：{'、'.join(titles)}"[:500] if titles else head for titles in counted]


@transaction.atomic
def prepare_grant_batch(policy: Policy, *, actor, now: dt.datetime) -> GrantBatch:
    """制单: a 免申即享 batch from the policy's current eligible list.

    The list must come from the active rule version and from the registry as it is now
    (same snapshot digest), so what is frozen is exactly what the rule says.
    """
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, policy)
    Policy.objects.select_for_update().filter(pk=policy.pk).first()
    if policy.delivery != Delivery.AUTO_GRANT:
        raise InvalidInput(f"“{policy.title}”为依申请兑现政策，不能生成免申即享发放批次。")
    rule = policy.rules.filter(active=True).first()
    if rule is None:
        raise InvalidInput(f"“{policy.title}”还没有规则，请先编写规则并运行政策匹配。")
    current = MatchResult.objects.filter(policy=policy, current=True, eligible=True)
    year = current.order_by("-year").values_list("year", flat=True).first()
    if year is None:
        raise InvalidInput(
            f"“{policy.title}”没有符合条件的企业（或还没有运行政策匹配），无法生成发放批次。"
        )
    results = list(current.filter(year=year).select_related("run").order_by("uscc"))
    stale = [r for r in results if r.rule_id != rule.pk]
    if stale:
        raise InvalidInput(
            f"现行规则为第 {rule.version} 版，但最新匹配结果按第 {stale[0].rule.version} 版计算。"
            "请先重新运行政策匹配，再生成发放批次。"
        )
    run = max((r.run for r in results), key=lambda r: r.pk)
    existing = (
        GrantBatch.objects.filter(policy=policy, year=year)
        .exclude(state=GrantBatchState.CANCELLED)
        .first()
    )
    if existing is not None:
        raise IllegalTransition(
            f"“{policy.title}”{year} 年度已有发放批次第 {existing.pk} 号（{existing.get_state_display()}），"
            "不能重复生成。如需重新生成，请先作废待审批的原批次。"
        )
    registry = stored_registry()
    digest = registry_digest(registry)
    if digest != run.registry_digest:
        raise InvalidInput(
            "企业库数据在最近一次政策匹配之后有更新，名单可能已不准确。"
            "请重新运行政策匹配后再生成发放批次。"
        )
    bases = _bases(policy, rule, results, year, registry)
    total = sum((r.amount for r in results), Decimal(0))
    lines = [(i, r.uscc, r.amount) for i, r in enumerate(results, start=1)]
    batch = GrantBatch.objects.create(
        policy=policy, rule=rule, run=run, year=year, rule_digest=rule.digest,
        registry_digest=digest, lines_digest=_lines_digest(lines), line_count=len(results),
        total_amount=total, prepared_at=now, prepared_by=actor,
    )  # fmt: skip
    GrantLine.objects.bulk_create(
        [
            GrantLine(
                batch=batch,
                seq=i,
                uscc=r.uscc,
                enterprise_name=r.enterprise_name,
                amount=r.amount,
                basis=basis,
            )  # fmt: skip
            for (i, r), basis in zip(enumerate(results, start=1), bases, strict=True)
        ],
        batch_size=2000,
    )
    audit.record(
        actor, "grant_batch.prepared", batch,
        after={"policy": policy.code, "rule": rule.reference, "year": year,
               "lines": len(results), "total": total, "registry_digest": digest,
               "lines_digest": batch.lines_digest},
        now=now,
    )  # fmt: skip
    return batch


@transaction.atomic
def approve_grant_batch(batch: GrantBatch, *, actor, now: dt.datetime) -> GrantBatch:
    """审批: another officer approves; the total is committed from the 资金池, the batch is
    frozen and every enterprise on it is notified."""
    require_capability(actor, "policies.approve")
    queries.require_policy_in_scope(actor, batch.policy)
    batch = GrantBatch.objects.select_for_update().select_related("policy").get(pk=batch.pk)
    rules.check_batch_transition(batch.state, GrantBatchState.APPROVED)
    rules.check_preparer_is_not_approver(batch.prepared_by_id, actor.pk)
    lines = list(batch.lines.order_by("seq").values_list("seq", "uscc", "amount"))
    if _lines_digest(lines) != batch.lines_digest:
        raise InvalidInput("发放名单与制单时不一致（摘要不符），不能审批。请作废本批次后重新制单。")
    policy = batch.policy
    budget = Budget.objects.select_for_update().filter(policy=policy, year=batch.year).first()
    if budget is None:
        raise InvalidInput(
            f"“{policy.title}”{batch.year} 年度还没有资金池，不能审批。请承办单位或营商办先设置资金池。"
        )
    rules.check_budget(
        policy_title=policy.title, year=batch.year, total=budget.total,
        committed=budget.committed, paid=budget.paid, amount=batch.total_amount, what="本批次",
    )  # fmt: skip
    Budget.objects.filter(pk=budget.pk).update(
        committed=F("committed") + batch.total_amount, updated_at=now
    )
    batch.state, batch.approved_by, batch.approved_at, batch.budget = (
        GrantBatchState.APPROVED, actor, now, budget,
    )  # fmt: skip
    batch.save(update_fields=["state", "approved_by", "approved_at", "budget"])
    notify_enterprises(
        [
            (
                line.uscc,
                {
                    "kind": "policies.grant",
                    "url": "/policies/mine/",
                    "key": f"grant:{batch.pk}:{line.seq}",
                    "title": f"免申即享：“{policy.title}”已为您的企业核定 {yuan(line.amount)}",
                    "body": f"依据：{line.basis}。无需申请，资金将直接拨付到企业账户。",
                },
            )  # fmt: skip
            for line in batch.lines.all().iterator(chunk_size=2000)
        ],
        now=now,
    )
    audit.record(
        actor, "grant_batch.approved", batch, before={"state": "prepared"},
        after={"state": "approved", "total": batch.total_amount, "lines": batch.line_count,
               "prepared_by": batch.prepared_by_id},
        now=now,
    )  # fmt: skip
    return batch


@transaction.atomic
def cancel_grant_batch(batch: GrantBatch, *, actor, reason: str, now: dt.datetime) -> GrantBatch:
    """作废 a batch not yet approved (e.g. to prepare it again after a rule change)."""
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, batch.policy)
    batch = GrantBatch.objects.select_for_update().get(pk=batch.pk)
    rules.check_batch_transition(batch.state, GrantBatchState.CANCELLED)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写作废原因。")
    batch.state, batch.cancel_reason = GrantBatchState.CANCELLED, reason[:300]
    batch.save(update_fields=["state", "cancel_reason"])
    audit.record(actor, "grant_batch.cancelled", batch, before={"state": "prepared"},
                 after={"state": "cancelled", "reason": batch.cancel_reason}, now=now)  # fmt: skip
    return batch


@transaction.atomic
def record_grant_payment(
    batch: GrantBatch, *, actor, paid_on: dt.date, payment_ref: str, now: dt.datetime
) -> GrantBatch:
    """登记拨付 of an approved batch: committed moves to paid in the 资金池."""
    require_capability(actor, "policies.manage")
    queries.require_policy_in_scope(actor, batch.policy)
    batch = GrantBatch.objects.select_for_update().get(pk=batch.pk)
    rules.check_batch_transition(batch.state, GrantBatchState.PAID)
    if paid_on > _today(now) or paid_on < timezone.localdate(batch.approved_at):
        raise InvalidInput(f"拨付日期应在审批日期与今天之间，现为 {paid_on}。")
    Budget.objects.filter(pk=batch.budget_id).update(
        committed=F("committed") - batch.total_amount, paid=F("paid") + batch.total_amount,
        updated_at=now,
    )  # fmt: skip
    batch.state, batch.paid_on = GrantBatchState.PAID, paid_on
    batch.payment_ref = (payment_ref or "").strip()[:100]
    batch.save(update_fields=["state", "paid_on", "payment_ref"])
    audit.record(actor, "grant_batch.paid", batch,
                 after={"paid_on": paid_on, "total": batch.total_amount, "ref": batch.payment_ref},
                 now=now)  # fmt: skip
    return batch


PAYMENT_LIST_HEADERS = ["序号", "企业名称", "统一社会信用代码", "政策", "金额（元）", "依据"]


def export_grant_batch(batch: GrantBatch, *, actor, now: dt.datetime) -> bytes:
    """The payment list (.xlsx) of an approved batch; the export itself is audited."""
    from qinqing.core.files.xlsx import write_workbook

    require_capability(actor, "policies.view")
    queries.require_policy_in_scope(actor, batch.policy)
    if batch.state not in (GrantBatchState.APPROVED, GrantBatchState.PAID):
        raise IllegalTransition(
            f"发放批次当前状态为“{batch.get_state_display()}”，审批通过后才能导出拨付名单。"
        )
    title = batch.policy.title
    rows = (
        [line.seq, line.enterprise_name, line.uscc, title, line.amount, line.basis]
        for line in batch.lines.order_by("seq").iterator(chunk_size=2000)
    )
    data = write_workbook(
        PAYMENT_LIST_HEADERS, rows, title="拨付名单", widths=[6, 36, 22, 30, 14, 60]
    )
    with transaction.atomic():
        audit.record(actor, "grant_batch.exported", batch,
                     after={"lines": batch.line_count, "total": batch.total_amount}, now=now)  # fmt: skip
    return data


# ---------------------------------------------------------------- explanations


def explanation_for(result: MatchResult):
    """On-demand explanation of a stored result (see matching.explain_result)."""
    return explain_result(result)
