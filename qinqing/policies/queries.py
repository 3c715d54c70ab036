"""Permission-checked reads of the policy domain (STYLE.md §6).

* Everyone (even without logging in) reads **public** policies; staff with ``policies.view``
  also read the unpublished ones of the units they may see.
* Office staff (``policies.manage``) maintain the policies and rules of their area, run
  matching and prepare grant batches; ``policies.approve`` approves batches.
* A department (unit staff with ``policies.review``) sees the results, applications, funds
  and lists of the policies it owns (承办单位) and reviews their applications.
* Leaders read everything of their area and change nothing.
* An enterprise (``policies.mine``) sees only rows carrying its own 统一社会信用代码.

"Missing" and "not yours" raise the same :class:`NotFound`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qinqing.core.accounts.access import (
    has_capability,
    require_capability,
    scope_area,
    user_unit,
    user_uscc,
    visible_units,
)
from qinqing.core.enterprises.attributes import ENTERPRISE_ATTRIBUTES
from qinqing.core.errors import NotFound, PermissionDenied
from qinqing.core.notifications.queries import visible_notifications_for_user
from qinqing.core.orgs.models import AREA_KINDS, Unit
from qinqing.policies import rules
from qinqing.policies.engine.explain import unreachable_reasons
from qinqing.policies.matching import parse_rule
from qinqing.policies.models import (
    Application,
    Budget,
    FundArrival,
    GrantBatch,
    MatchResult,
    MatchRun,
    Policy,
    PolicyRule,
    ServiceTargetList,
)

NOT_FOUND_POLICY = "政策不存在，或您没有查看它的权限。"


# ---------------------------------------------------------------- policies


def library_policies_for_user(user) -> QuerySet[Policy]:
    """The policy library as the user may read it (public ones for everybody)."""
    qs = Policy.objects.select_related("owner_unit", "issuer_unit")
    if has_capability(user, "policies.view"):
        return qs.filter(Q(is_public=True) | Q(owner_unit__in=visible_units(user)))
    return qs.filter(is_public=True)


def access_library_policy(user, code: str) -> Policy:
    policy = library_policies_for_user(user).filter(code=code).first()
    if policy is None:
        raise NotFound(NOT_FOUND_POLICY)
    return policy


def staff_policies_for_user(user) -> QuerySet[Policy]:
    """Policies whose delivery work the user may see (owned by units the user may see)."""
    require_capability(user, "policies.view")
    return Policy.objects.filter(owner_unit__in=visible_units(user)).select_related("owner_unit")


def access_staff_policy(user, code: str) -> Policy:
    policy = staff_policies_for_user(user).filter(code=code).first()
    if policy is None:
        raise NotFound(NOT_FOUND_POLICY)
    return policy


def managed_policies_for_user(user) -> QuerySet[Policy]:
    """Policies the office user may edit (library record and rules) or grant from."""
    require_capability(user, "policies.manage")
    return Policy.objects.filter(owner_unit__in=visible_units(user)).select_related("owner_unit")


def access_managed_policy(user, code: str) -> Policy:
    policy = managed_policies_for_user(user).filter(code=code).first()
    if policy is None:
        raise NotFound(NOT_FOUND_POLICY)
    return policy


def is_owner_department(user, policy: Policy) -> bool:
    """Unit staff of the policy's 承办单位 with the review capability."""
    unit = user_unit(user)
    return (
        has_capability(user, "policies.review")
        and unit is not None
        and unit.pk == policy.owner_unit_id
    )


def require_policy_in_scope(user, policy: Policy) -> None:
    """Write actions of the office stay inside its area (defence in depth for services)."""
    if not visible_units(user).filter(pk=policy.owner_unit_id).exists():
        raise PermissionDenied(f"“{policy.title}”不属于您所在地区，您不能办理。")


def can_manage_delivery(user, policy: Policy) -> bool:
    """Budgets, funds from above and 服务对象清单: the owning department or the office."""
    if is_owner_department(user, policy):
        return True
    return (
        has_capability(user, "policies.manage")
        and visible_units(user).filter(pk=policy.owner_unit_id).exists()
    )


def require_delivery_manager(user, policy: Policy) -> None:
    if not can_manage_delivery(user, policy):
        raise PermissionDenied(
            f"只有承办单位或营商办可以办理“{policy.title}”的资金和服务对象清单。"
        )


def rules_for_policy(policy: Policy) -> QuerySet[PolicyRule]:
    return policy.rules.select_related("created_by").order_by("-version")


# ---------------------------------------------------------------- matching


def _area_filter(user) -> Q | None:
    area = scope_area(user)
    if area is not None:
        return Q(area__path__startswith=area.path)
    unit = user_unit(user)
    if unit is not None:
        return Q(area=unit.area())
    return None


def visible_runs_for_user(user) -> QuerySet[MatchRun]:
    require_capability(user, "policies.view")
    condition = _area_filter(user)
    if condition is None:
        return MatchRun.objects.none()
    return MatchRun.objects.filter(condition).select_related("created_by", "area")


def access_run_for_user(user, run_id: int) -> MatchRun:
    run = visible_runs_for_user(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound("匹配批次不存在，或您没有查看它的权限。")
    return run


def policy_results_for_user(user, policy: Policy) -> QuerySet[MatchResult]:
    """The current push list of a policy (staff who may see the policy), with each row's
    enterprise joined by id (credit code and name as the registry has them)."""
    access_staff_policy(user, policy.code)
    return MatchResult.objects.filter(policy=policy, current=True).select_related(
        "rule", "enterprise"
    )


def own_results_for_user(user) -> QuerySet[MatchResult]:
    """An enterprise's own current results (eligible and near misses)."""
    require_capability(user, "policies.mine")
    uscc = user_uscc(user)
    if not uscc:
        return MatchResult.objects.none()
    results = MatchResult.objects.filter(enterprise__uscc=uscc, current=True)
    return results.exclude(unreachable_near_misses(results)).select_related(
        "policy", "rule", "run", "enterprise"
    )


def unreachable_near_misses(results: QuerySet[MatchResult]) -> Q:
    """The near misses among ``results`` whose one missing condition the enterprise cannot
    come to meet (size class, registration place, industry…; ``rules.FIXED_ATTRIBUTES``):
    kept for the office's figures, never shown or pushed to the enterprise (defect 12)."""
    keys = unreachable_keys(results)
    if not keys:
        return Q(pk__in=[])
    # the ids, not one OR term per rule version: SQLite refuses an expression deeper than
    # 1,000, which a province's rule versions reach (the demo did at a few hundred)
    ids = [
        pk
        for pk, rule_id, year, reason in results.filter(near_miss=True).values_list(
            "pk", "rule_id", "year", "reason"
        )
        if (rule_id, year, reason) in keys
    ]
    return Q(pk__in=ids)


def unreachable_keys(results: QuerySet[MatchResult]) -> set[tuple[int, int, str]]:
    """``(rule_id, year, reason)`` of the near misses among ``results`` on a condition the
    enterprise cannot change (see :func:`unreachable_near_misses`)."""
    keys: set[tuple[int, int, str]] = set()
    versions = (
        results.filter(near_miss=True)
        .values_list("rule_id", "rule__yaml_text", "policy__code", "year")
        .distinct()
    )
    for rule_id, text, code, year in versions:
        for reason in unreachable_reasons(parse_rule(text, f"{code}.yaml"), year):
            keys.add((rule_id, year, reason[:500]))
    return keys


def access_own_result(user, result_id: int) -> MatchResult:
    result = own_results_for_user(user).filter(pk=result_id).first()
    if result is None:
        raise NotFound("匹配结果不存在，或不属于您的企业。")
    return result


def own_notifications_for_user(user):
    """The user's policy messages from the core inbox (推送、申报办理、兑现)."""

    require_capability(user, "policies.mine")
    return visible_notifications_for_user(user, kind_prefix="policies.")


# ---------------------------------------------------------------- applications


def visible_applications_for_user(user) -> QuerySet[Application]:
    qs = Application.objects.select_related("policy", "policy__owner_unit")
    if has_capability(user, "policies.mine"):
        uscc = user_uscc(user)
        return qs.filter(uscc=uscc) if uscc else qs.none()
    require_capability(user, "policies.view")
    return qs.filter(policy__owner_unit__in=visible_units(user))


def access_application_for_user(user, application_id: int) -> Application:
    application = visible_applications_for_user(user).filter(pk=application_id).first()
    if application is None:
        raise NotFound("申报不存在，或您没有查看它的权限。")
    return application


def require_reviewer(user, application: Application) -> None:
    if not is_owner_department(user, application.policy):
        raise PermissionDenied(
            f"申报由承办单位“{application.policy.owner_unit.name}”审核，您的账号不能办理。"
        )


# ---------------------------------------------------------------- grants and funds


def visible_batches_for_user(user) -> QuerySet[GrantBatch]:
    require_capability(user, "policies.view")
    return GrantBatch.objects.filter(policy__owner_unit__in=visible_units(user)).select_related(
        "policy", "rule", "prepared_by", "approved_by", "run"
    )


def access_batch_for_user(user, batch_id: int) -> GrantBatch:
    batch = visible_batches_for_user(user).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("发放批次不存在，或您没有查看它的权限。")
    return batch


def visible_budgets_for_user(user) -> QuerySet[Budget]:
    require_capability(user, "policies.view")
    return Budget.objects.filter(policy__owner_unit__in=visible_units(user)).select_related(
        "policy", "policy__owner_unit"
    )


def access_budget_for_user(user, budget_id: int) -> Budget:
    budget = visible_budgets_for_user(user).filter(pk=budget_id).first()
    if budget is None:
        raise NotFound("资金池不存在，或您没有查看它的权限。")
    return budget


def visible_arrivals_for_user(user) -> QuerySet[FundArrival]:
    require_capability(user, "policies.view")
    return FundArrival.objects.filter(
        budget__policy__owner_unit__in=visible_units(user)
    ).select_related("budget", "budget__policy")


def access_arrival_for_user(user, arrival_id: int) -> FundArrival:
    arrival = visible_arrivals_for_user(user).filter(pk=arrival_id).first()
    if arrival is None:
        raise NotFound("资金到达记录不存在，或您没有查看它的权限。")
    return arrival


def visible_target_lists_for_user(user) -> QuerySet[ServiceTargetList]:
    require_capability(user, "policies.view")
    return ServiceTargetList.objects.filter(
        policy__owner_unit__in=visible_units(user)
    ).select_related("policy", "unit", "refreshed_by")


def access_target_list_for_user(user, list_id: int) -> ServiceTargetList:
    target_list = visible_target_lists_for_user(user).filter(pk=list_id).first()
    if target_list is None:
        raise NotFound("服务对象清单不存在，或您没有查看它的权限。")
    return target_list


# ---------------------------------------------------------------- names for codes


def named_snapshot(snapshot: dict[str, str]) -> dict[str, str]:
    """A registry snapshot (label → value) with names beside the industry and region codes,
    for the enterprise's own pages (defect 7): the industry's 门类, the region's name from the
    directory (areas carry their 行政区划代码)."""
    if not snapshot:
        return {}
    out = dict(snapshot)
    industry = ENTERPRISE_ATTRIBUTES["industry_code"].label
    region = ENTERPRISE_ATTRIBUTES["region_code"].label
    if out.get(industry):
        out[industry] = rules.industry_text(str(out[industry]))
    if out.get(region):
        code = str(out[region])
        names = dict(
            Unit.objects.filter(code=code, kind__in=AREA_KINDS).values_list("code", "name")[:1]
        )
        out[region] = rules.region_text(code, names)
    return out
