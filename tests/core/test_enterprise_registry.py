import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.enterprises.models import Enterprise, RegistryImportBatch
from qinqing.core.enterprises.service import import_registry, registry_from_db
from qinqing.core.errors import InvalidInput
from tests.world import USCC_A, USCC_B

HEADER = "uscc,name,region_code,industry_code,size,established_on,serious_dishonesty,graduate_hires,high_tech_on\n"


def _csv(*rows: str) -> str:
    return HEADER + "".join(r + "\n" for r in rows)


GOOD_A = f"{USCC_A},甲科技有限公司,110101,C39,small,2019-03-01,false,3,2025-04-01"
GOOD_B = f"{USCC_B},乙食品有限公司,110102,C14,micro,2021-06-30,true,0,"


def test_import_sample_registry_then_reimport_updates(world, shared_dir):
    data = (shared_dir / "data/enterprises/sample_10k.csv").read_bytes()
    batch = import_registry(data, filename="sample_10k.csv", actor=world.office_admin)
    assert batch.created == 10_000 and batch.updated == 0
    assert Enterprise.objects.count() == 10_000
    again = import_registry(data, filename="sample_10k.csv", actor=world.office_admin)
    assert again.created == 0 and again.updated == 10_000
    assert Enterprise.objects.count() == 10_000
    assert AuditEvent.objects.filter(verb="registry.imported").count() == 2


def test_gbk_file_is_read(world):
    batch = import_registry(
        _csv(GOOD_A, GOOD_B).encode("gbk"), filename="名录.csv", actor=world.office_admin
    )
    assert batch.created == 2
    assert Enterprise.objects.get(uscc=USCC_A).name == "甲科技有限公司"
    assert Enterprise.objects.get(uscc=USCC_B).serious_dishonesty is True


def test_bad_row_rejects_the_whole_file_and_writes_nothing(world):
    bad_code = USCC_B[:-1] + ("0" if USCC_B[-1] != "0" else "1")
    data = _csv(GOOD_A, f"{bad_code},乙,110102,C14,micro,2021-06-30,false,0,").encode()
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as err:
        import_registry(data, filename="名录.csv", actor=world.office_admin)
    assert "第 3 行" in err.value.message
    assert "整个文件未导入" in err.value.message
    assert Enterprise.objects.count() == 0
    assert RegistryImportBatch.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_skip_mode_imports_good_rows_and_reports_bad(world):
    data = _csv(GOOD_A, f"{USCC_B},乙,110102,C14,huge,2021-06-30,false,0,").encode()
    batch = import_registry(data, filename="名录.csv", actor=world.office_admin, skip_bad_rows=True)
    assert batch.created == 1 and batch.skipped == 1
    assert "第 3 行" in batch.report
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [USCC_A]


def test_stored_registry_converts_back_to_columns(world):
    import_registry(_csv(GOOD_A, GOOD_B).encode(), filename="名录.csv", actor=world.office_admin)
    registry = registry_from_db()
    assert len(registry) == 2
    assert registry.value("high_tech_on", registry.row_of(USCC_A)).isoformat() == "2025-04-01"


def test_registry_pages_and_denials(world, client_for):
    import_registry(_csv(GOOD_A).encode(), filename="名录.csv", actor=world.office_admin)
    assert "甲科技有限公司" in client_for(world.market_clerk).get("/enterprises/").content.decode()
    detail = client_for(world.leader).get(f"/enterprises/{USCC_A}/").content.decode()
    assert "国家高新技术企业" in detail and "2025-04-01" in detail
    assert client_for(world.enterprise_b).get("/enterprises/").status_code == 403
    assert client_for(world.enterprise_b).get(f"/enterprises/{USCC_A}/").status_code == 403
    # only enterprises.manage may import
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = Enterprise.objects.count()
    r = client_for(world.market_clerk).post(
        "/enterprises/import/", {"file": SimpleUploadedFile("x.csv", _csv(GOOD_B).encode())}
    )
    assert r.status_code == 403
    r = client_for(world.leader).post(
        "/enterprises/import/", {"file": SimpleUploadedFile("x.csv", _csv(GOOD_B).encode())}
    )
    assert r.status_code == 403
    assert Enterprise.objects.count() == before


def test_import_page_shows_row_errors(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client_for(world.office_admin).post(
        "/enterprises/import/",
        {
            "file": SimpleUploadedFile(
                "名录.csv", _csv(f"{USCC_A},甲,110101,C39,small,2019-02-30,false,1,").encode()
            )
        },
    )
    assert r.status_code == 400
    assert "第 2 行" in r.content.decode() and "2019-02-30" in r.content.decode()
    assert Enterprise.objects.count() == 0
