"""Directory pages (机构库). Thin: parse, call a query or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qinqing.core.accounts.access import require_capability
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs import queries, service
from qinqing.core.orgs.forms import AliasForm, ImportForm, ResolveForm, UnitForm
from qinqing.core.orgs.models import ProposalStatus, UnitKind


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    units = (
        queries.search_units(request.user, q).select_related("parent").prefetch_related("aliases")
    )
    if kind:
        units = units.filter(kind=kind)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/directory.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "kinds": UnitKind.choices,
            "can_edit": queries.can_edit_directory(request.user),
            "pending": queries.visible_proposals_for_user(request.user)
            .filter(status=ProposalStatus.PENDING)
            .count()
            if queries.can_edit_directory(request.user)
            else 0,
        },
    )


@login_required
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = queries.access_unit_for_user(request.user, unit_id)
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "aliases": unit.aliases.all(),
            "groups": unit.groups.all(),
            "children": unit.children.all(),
            "can_edit": queries.can_edit_directory(request.user),
            "alias_form": AliasForm(),
        },
    )


@login_required
@require_POST
def add_alias(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = queries.access_unit_for_edit(request.user, unit_id)
    form = AliasForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("请填写别名。")
    service.add_alias(unit, form.cleaned_data["alias"], actor=request.user)
    messages.success(request, f"已将“{form.cleaned_data['alias']}”设为“{unit.name}”的别名。")
    return redirect("orgs:unit", unit_id=unit.pk)


@login_required
@require_POST
def remove_alias(request: HttpRequest, unit_id: int, alias_id: int) -> HttpResponse:
    unit = queries.access_unit_for_edit(request.user, unit_id)
    alias = unit.aliases.filter(pk=alias_id).first()
    if alias is None:
        raise InvalidInput("该别名已不存在。")
    service.remove_alias(alias, actor=request.user)
    messages.success(request, "已删除别名。")
    return redirect("orgs:unit", unit_id=unit.pk)


@login_required
def unit_new(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "directory.edit")
    parents = queries.visible_directory_units(request.user)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        parent = queries.access_unit_for_edit(request.user, form.cleaned_data["parent"])
        unit = service.create_unit(
            actor=request.user,
            name=form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            parent=parent,
            code=form.cleaned_data["code"],
            coordinating=form.cleaned_data["coordinating"],
            aliases=[
                a for a in form.cleaned_data["aliases"].replace("，", "、").split("、") if a.strip()
            ],
        )
        messages.success(request, f"已新增单位“{unit.name}”。")
        return redirect("orgs:unit", unit_id=unit.pk)
    return render(request, "orgs/unit_new.html", {"form": form, "parents": parents})


@login_required
def resolve(request: HttpRequest) -> HttpResponse:
    """Look up what a written name means: official name, alias or collective name."""
    require_capability(request.user, "directory.view")
    form = ResolveForm(request.GET or None)
    result = None
    root = queries.directory_root_for_user(request.user)
    if form.is_valid() and root is not None:
        result = service.resolve_name(form.cleaned_data["name"], area=root)
    return render(request, "orgs/resolve.html", {"form": form, "result": result})


@login_required
def groups(request: HttpRequest) -> HttpResponse:
    items = (
        queries.visible_groups_for_user(request.user)
        .prefetch_related("members")
        .select_related("area")
    )
    return render(
        request,
        "orgs/groups.html",
        {"groups": items, "can_edit": queries.can_edit_directory(request.user)},
    )


@login_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    group = queries.access_group_for_user(request.user, group_id)
    can_edit = queries.can_edit_directory(request.user)
    if request.method == "POST":
        require_capability(request.user, "directory.edit")
        ids = [int(i) for i in request.POST.getlist("members") if i.isdigit()]
        members = list(queries.visible_directory_units(request.user).filter(pk__in=ids))
        service.set_group_members(group, members, actor=request.user)
        messages.success(request, f"已更新“{group.name}”的成员单位（{len(members)} 个）。")
        return redirect("orgs:group", group_id=group.pk)
    candidates = queries.visible_directory_units(request.user).filter(
        path__startswith=group.area.path
    )
    member_ids = set(group.members.values_list("pk", flat=True))
    return render(
        request,
        "orgs/group_detail.html",
        {"group": group, "candidates": candidates, "member_ids": member_ids, "can_edit": can_edit},
    )


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    items = queries.visible_proposals_for_user(request.user)
    status = request.GET.get("status", ProposalStatus.PENDING)
    if status:
        items = items.filter(status=status)
    units = queries.visible_directory_units(request.user)
    return render(
        request,
        "orgs/proposals.html",
        {
            "proposals": items,
            "status": status,
            "statuses": ProposalStatus.choices,
            "units": units,
            "groups": queries.visible_groups_for_user(request.user),
            "areas": units.filter(kind__in=["province", "city", "county", "township"]),
            "kinds": UnitKind.choices,
        },
    )


@login_required
@require_POST
def proposal_act(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = queries.access_proposal_for_edit(request.user, proposal_id)
    action = request.POST.get("action")
    if action == "map":
        unit = queries.access_unit_for_edit(request.user, int(request.POST.get("unit") or 0))
        service.map_proposal_to_unit(proposal, unit, actor=request.user)
        messages.success(request, f"“{proposal.raw_name}”已作为“{unit.name}”的别名。")
    elif action == "group":
        group = queries.access_group_for_user(request.user, int(request.POST.get("group") or 0))
        service.map_proposal_to_group(proposal, group, actor=request.user)
        messages.success(request, f"“{proposal.raw_name}”已对应单位集合“{group.name}”。")
    elif action == "create":
        parent = queries.access_unit_for_edit(request.user, int(request.POST.get("parent") or 0))
        unit = service.create_unit_from_proposal(
            proposal, actor=request.user, kind=request.POST.get("kind", ""), parent=parent
        )
        messages.success(request, f"已新建单位“{unit.name}”。")
    elif action == "reject":
        service.reject_proposal(proposal, actor=request.user)
        messages.success(request, f"已驳回“{proposal.raw_name}”。")
    else:
        raise InvalidInput("请选择处理方式：对应现有单位、对应单位集合、新建单位或驳回。")
    return redirect("orgs:proposals")


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    units = (
        queries.visible_directory_units(request.user)
        .select_related("parent")
        .prefetch_related("aliases", "groups")
    )
    data = service.export_directory(units)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E6%9C%BA%E6%9E%84%E5%BA%93.xlsx"
    )
    return response


@login_required
def import_xlsx(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "directory.edit")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        root = queries.directory_root_for_user(request.user)
        try:
            if root is None:
                raise InvalidInput("您的账号没有绑定所属地区，无法导入机构库。请联系系统管理员。")
            report = service.import_directory(
                upload.read(), actor=request.user, root=root, filename=upload.name
            )
        except InvalidInput as exc:
            return render(
                request, "orgs/import.html", {"form": form, "error": exc.message}, status=400
            )
        messages.success(
            request,
            f"导入完成：新增 {report.created} 个单位，更新 {report.updated} 个，新增别名 {report.aliases} 个。",
        )
        return redirect("orgs:directory")
    return render(request, "orgs/import.html", {"form": form})
