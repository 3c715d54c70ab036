import io

import pytest
from openpyxl import Workbook, load_workbook

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import ProposalStatus, Unit, UnitAlias, UnitNameProposal
from qinqing.core.orgs.service import add_alias, import_directory, resolve_name, resolve_names


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_aliases_resolve_to_one_unit_once_admin_says_so(world):
    assert not resolve_name("市发改委", area=world.city).known
    for alias in ["市发改委", "市发展改革委", "市发展和改革局"]:
        add_alias(world.ndrc, alias, actor=world.office_admin)
    for written in ["市发改委", "市发展改革委", " 市发展和改革局 ", "市发展和改革委员会"]:
        assert resolve_name(written, area=world.city).unit == world.ndrc


def test_collective_name_expands_to_members_not_a_unit(world):
    res = resolve_name("市政府各部门", area=world.city)
    assert res.unit is None and res.group is not None
    assert set(res.units) == {world.market, world.tax, world.ndrc}
    county_res = resolve_name("各县(区)人民政府", area=world.city)  # half-width brackets
    assert county_res.units == [world.county]


def test_unknown_name_is_proposed_never_created(world):
    count = Unit.objects.count()
    results = resolve_names(["市市场监管局", "市数据资源局"], area=world.city, source="测试方案")
    assert results[0].unit == world.market
    assert results[1].proposal is not None
    assert Unit.objects.count() == count
    proposal = UnitNameProposal.objects.get(raw_name="市数据资源局")
    assert proposal.status == ProposalStatus.PENDING
    resolve_names(["市数据资源局"], area=world.city)
    proposal.refresh_from_db()
    assert proposal.occurrences == 2


def test_alias_cannot_point_to_two_units(world):
    add_alias(world.ndrc, "市发改委", actor=world.office_admin)
    with pytest.raises(InvalidInput, match="已对应“市发展和改革委员会”"):
        add_alias(world.tax, "市发改委", actor=world.office_admin)


def test_office_resolves_proposal_as_alias_through_the_page(world, client_for):
    resolve_names(["市发改局"], area=world.city)
    proposal = UnitNameProposal.objects.get(raw_name="市发改局")
    client = client_for(world.office_admin)
    page = client.get("/directory/proposals/")
    assert "市发改局" in page.content.decode()
    client.post(f"/directory/proposals/{proposal.pk}/", {"action": "map", "unit": world.ndrc.pk})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.MAPPED
    assert resolve_name("市发改局", area=world.city).unit == world.ndrc


def test_unit_clerk_cannot_edit_directory(world, client_for):
    client = client_for(world.market_clerk)
    assert client.get("/directory/").status_code == 200  # may look things up
    aliases_before = UnitAlias.objects.count()
    events_before = AuditEvent.objects.count()
    r = client.post(f"/directory/units/{world.ndrc.pk}/aliases/", {"alias": "市发改委"})
    assert r.status_code == 403
    r = client.post(
        "/directory/units/new/", {"name": "市新局", "kind": "department", "parent": world.city.pk}
    )
    assert r.status_code == 403
    assert client.get("/directory/proposals/").status_code == 403
    assert client.get("/directory/import/").status_code == 403
    assert UnitAlias.objects.count() == aliases_before
    assert not Unit.objects.filter(name="市新局").exists()
    assert AuditEvent.objects.count() == events_before


def test_leader_reads_directory_but_changes_nothing(world, client_for):
    client = client_for(world.leader)
    assert client.get("/directory/").status_code == 200
    before = UnitAlias.objects.count()
    r = client.post(f"/directory/units/{world.ndrc.pk}/aliases/", {"alias": "市发改委"})
    assert r.status_code == 403
    assert UnitAlias.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "/directory/",
        "/directory/resolve/?name=市税务局",
        "/directory/groups/",
        "/directory/export.xlsx",
    ],
)
def test_enterprise_cannot_see_directory_pages(world, client_for, url):
    r = client_for(world.enterprise_a).get(url)
    assert r.status_code == 403
    assert "市税务局" not in r.content.decode()


def test_anonymous_is_sent_to_login(client, world):
    r = client.get("/directory/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_office_of_another_city_cannot_open_our_units(world, client_for):
    client = client_for(world.other_officer)
    assert client.get(f"/directory/units/{world.market.pk}/").status_code == 404
    r = client.post(f"/directory/units/{world.market.pk}/aliases/", {"alias": "外市别名"})
    assert r.status_code == 404
    assert not UnitAlias.objects.filter(alias="外市别名").exists()


def test_resolve_page_shows_alias_target(world, client_for):
    add_alias(world.ndrc, "市发改委", actor=world.office_admin)
    body = client_for(world.market_clerk).get("/directory/resolve/?name=市发改委").content.decode()
    assert "市发展和改革委员会" in body and "通过别名" in body


def test_export_then_import_round_trip(world, client_for):
    add_alias(world.ndrc, "市发改委", actor=world.office_admin)
    data = client_for(world.office_admin).get("/directory/export.xlsx").content
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("单位名称", "单位类别", "上级单位")
    ndrc_row = next(r for r in rows if r[0] == "市发展和改革委员会")
    assert "市发改委" in ndrc_row[4]
    # importing the export changes nothing
    report = import_directory(data, actor=world.office_admin, root=world.city)
    assert report.created == 0


def test_import_creates_units_aliases_and_groups(world):
    data = _xlsx([
        ["单位名称", "单位类别", "上级单位", "别名", "所属集合"],
        ["市数据局", "政府部门", "示例市", "市数据资源局、市大数据局", "市政府各部门"],
        ["示例县数据中心", "其他单位", "示例县", "", ""],
    ])  # fmt: skip
    report = import_directory(data, actor=world.office_admin, root=world.city)
    assert report.created == 2
    unit = Unit.objects.get(name="市数据局")
    assert resolve_name("市大数据局", area=world.city).unit == unit
    assert unit in resolve_name("市政府各部门", area=world.city).units


def test_import_with_a_bad_row_writes_nothing(world):
    data = _xlsx([
        ["单位名称", "单位类别", "上级单位"],
        ["市数据局", "政府部门", "示例市"],
        ["市火星局", "外星部门", "示例市"],
        ["市某中心", "其他单位", "不存在的上级"],
    ])  # fmt: skip
    units, events = Unit.objects.count(), AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as err:
        import_directory(data, actor=world.office_admin, root=world.city)
    assert "第 3 行" in err.value.message and "外星部门" in err.value.message
    assert "第 4 行" in err.value.message and "不存在的上级" in err.value.message
    assert Unit.objects.count() == units
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", "空文件"),
        (b"\x00\x01garbage" * 10, "不是 Excel"),
        ("单位名称,单位类别".encode("gbk"), "不是 Excel"),
    ],
)
def test_import_page_rejects_bad_files_with_message(world, client_for, payload, expected):
    from django.core.files.uploadedfile import SimpleUploadedFile

    units = Unit.objects.count()
    r = client_for(world.office_admin).post(
        "/directory/import/", {"file": SimpleUploadedFile("机构.xlsx", payload)}
    )
    assert expected in r.content.decode()
    assert Unit.objects.count() == units


def test_pages_escape_user_text(world, client_for):
    add_alias(world.ndrc, "<script>alert(1)</script>", actor=world.office_admin)
    body = client_for(world.office_admin).get(f"/directory/units/{world.ndrc.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
