"""精准推送, the enterprises' feedback on a push, and the explanation of one result."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.accounts.access import (
    require_capability,
    user_uscc,
)
from qinqing.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from qinqing.core.notifications import notify_enterprises
from qinqing.policies import queries
from qinqing.policies.matching import explain_result
from qinqing.policies.models import (
    Delivery,
    FitAnswer,
    MatchResult,
    MatchRun,
    Policy,
    PolicyPush,
    PushFeedback,
)
from qinqing.policies.rules import yuan
from qinqing.policies.service._common import _user


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
    year = MatchRun.objects.values_list("year", flat=True).get(pk=run_id)
    listed = results.filter(year=year)
    # after an incremental run only the rows it replaced are news: the others were pushed
    last = PolicyPush.objects.filter(policy=policy, run__year=year).order_by("-run_id").first()
    if last is not None:
        listed = listed.filter(run_id__gt=last.run_id)
    # a condition the enterprise cannot come to meet is not news for it (defect 12)
    unreachable = queries.unreachable_keys(listed)
    # the credit code each message goes to, joined by id (an enterprise no longer in the
    # registry has none and gets no message)
    listed = listed.filter(enterprise__isnull=False).select_related("enterprise")
    for r in listed.iterator(chunk_size=2000):
        if not r.eligible and (r.rule_id, r.year, r.reason) in unreachable:
            continue
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
    if not result.uscc or result.uscc != user_uscc(actor):
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


# ---------------------------------------------------------------- explanations


def explanation_for(result: MatchResult):
    """On-demand explanation of a stored result (see matching.explain_result)."""
    return explain_result(result)
