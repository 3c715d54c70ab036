"""Importing a year's notice into the database: all or nothing, audited, used at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import InvalidInput
from qinqing.core.workdays import get_calendar
from qinqing.core.workdays.models import CalendarDay, CalendarYear, DayKind
from qinqing.core.workdays.service import import_notice

SAMPLES = Path(__file__).resolve().parents[2] / "qinqing" / "core" / "workdays" / "samples"
SAMPLE_YAML = SAMPLES / "notice-2027-sample.yaml"
SAMPLE_CSV = SAMPLES / "notice-2027-sample.csv"
D = dt.date


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_user(username="office_admin", password="x-1234567")


def nothing_written():
    return (
        not CalendarYear.objects.exists()
        and not CalendarDay.objects.exists()
        and not AuditEvent.objects.filter(verb__startswith="calendar_year.").exists()
    )


@pytest.mark.django_db
def test_imported_year_is_used_by_the_calendar_at_once(admin_user):
    assert get_calendar().year_data(2027).provisional

    year = import_notice(SAMPLE_YAML, actor=admin_user)

    assert (year.year, year.version, year.imported_by) == (2027, 1, admin_user)
    assert year.days.filter(kind=DayKind.PUBLIC_HOLIDAY).count() == 29
    assert year.days.filter(kind=DayKind.MAKEUP_WORKDAY).count() == 5
    cal = get_calendar()
    # 2026-12-31 (Thu), then 元旦 2027-01-01..03 off: 01-04, 05, 06, 07
    assert cal.add_workdays(D(2026, 12, 30), 5) == D(2027, 1, 7)
    # the sample's Spring Festival 02-05..02-13 off, 02-14 (Sun) worked
    assert cal.add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 14)
    assert cal.describe(D(2027, 10, 9)).label == "调休上班日（国庆节）"
    assert cal.year_data(2027).origin == "database"
    assert cal.year_data(2026).origin == "package"  # package years untouched
    assert not cal.is_provisional(D(2027, 12, 30))
    assert cal.is_provisional(cal.add_workdays(D(2027, 12, 30), 5))  # 2028: still no notice

    event = AuditEvent.objects.get(verb="calendar_year.imported")
    assert event.actor_id == admin_user.pk
    assert event.before is None and event.after["days"]["2027-02-14"] == "makeup_workday:春节"


@pytest.mark.django_db
def test_a_second_import_of_the_same_year_needs_replace(admin_user):
    import_notice(SAMPLE_YAML, actor=admin_user)
    with pytest.raises(InvalidInput) as exc:
        import_notice(SAMPLE_CSV, actor=admin_user)
    assert "已于" in exc.value.message and "--replace" in exc.value.message
    assert CalendarYear.objects.get().version == 1
    assert AuditEvent.objects.filter(verb__startswith="calendar_year.").count() == 1


@pytest.mark.django_db
def test_replace_corrects_a_year_and_audits_before_and_after(admin_user):
    import_notice(SAMPLE_YAML, actor=admin_user)
    corrected = SAMPLE_CSV.read_text(encoding="utf-8").replace(
        "2027-02-20,上班,春节\n", ""
    )  # the correction drops one make-up Saturday
    year = import_notice(corrected.encode(), actor=admin_user, replace=True)

    assert year.version == 2
    assert not CalendarDay.objects.filter(day=D(2027, 2, 20)).exists()
    assert CalendarDay.objects.count() == 33
    assert not get_calendar().is_workday(D(2027, 2, 20))
    event = AuditEvent.objects.get(verb="calendar_year.replaced")
    assert "2027-02-20" in event.before["days"] and "2027-02-20" not in event.after["days"]
    assert event.before["version"] == 1 and event.after["version"] == 2


@pytest.mark.django_db
def test_a_package_year_is_refused_unless_replaced(admin_user):
    text = "年份,2026\n文件名称,测试更正\n日期,类型,名称\n2026-12-31,放假,测试节\n"
    with pytest.raises(InvalidInput) as exc:
        import_notice(text, actor=admin_user)
    assert "已由系统内置数据" in exc.value.message and "--replace" in exc.value.message
    assert nothing_written()
    assert get_calendar().is_workday(D(2026, 12, 31))

    import_notice(text, actor=admin_user, replace=True)
    cal = get_calendar()
    assert not cal.is_workday(D(2026, 12, 31))
    # the whole year now comes from the database notice, which lists only 12-31
    assert cal.is_workday(D(2026, 10, 5)) and cal.year_data(2026).origin == "database"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (
            "年份,2027\n文件名称,测试\n日期,类型,名称\n".encode()
            + "2027-01-01,放假,元旦\n".encode("gbk"),
            ["第 4 行", "UTF-8"],
        ),
        (
            "年份,2027\n文件名称,测试\n日期,类型,名称\n2027-01-01,放假,元旦\n2027-02-30,放假,春节\n".encode(),
            ["第 5 行", "2027-02-30", "不是有效日期"],
        ),
        (
            "年份,2027\n文件名称,测试\n日期,类型,名称\n2027-01-01,放假,元旦\n2027-01-01,放假,元旦\n".encode(),
            ["第 5 行", "重复", "第 4 行"],
        ),
    ],
    ids=["gbk", "wrong-date", "duplicate-day"],
)
def test_bad_files_write_nothing(admin_user, content, needles):
    with pytest.raises(InvalidInput) as exc:
        import_notice(content, actor=admin_user)
    for needle in needles:
        assert needle in exc.value.message
    assert "未导入" in exc.value.message
    assert nothing_written()


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_writing_rolls_everything_back(admin_user, monkeypatch):
    def broken_record(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("qinqing.core.workdays.service.record", broken_record)
    with pytest.raises(RuntimeError):
        import_notice(SAMPLE_YAML, actor=admin_user)
    assert nothing_written()
    assert get_calendar().year_data(2027).provisional


@pytest.mark.django_db
def test_an_upload_like_object_is_accepted(admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("2027.csv", SAMPLE_CSV.read_bytes(), content_type="text/csv")
    assert import_notice(upload, actor=admin_user).year == 2027


@pytest.mark.django_db
def test_cli_import_notice_then_add_uses_the_database(capsys):
    from qinqing.cli.main import main

    assert main(["calendar", "add", "2026-12-30", "5"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "2027-01-07" and "暂定" in err  # provisional: 元旦 alone

    assert main(["calendar", "import-notice", str(SAMPLE_CSV)]) == 0
    assert "已导入 2027 年节假日安排（第 1 版）" in capsys.readouterr().out
    assert AuditEvent.objects.get(verb="calendar_year.imported").actor_label.startswith("命令行")

    assert main(["calendar", "add", "2026-12-30", "5"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "2027-01-07" and err == ""  # the imported notice is official
    assert main(["calendar", "between", "2027-02-04", "2027-02-14"]) == 0
    assert capsys.readouterr().out.strip() == "1"

    assert main(["calendar", "import-notice", str(SAMPLE_CSV)]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["calendar", "import-notice", str(SAMPLE_CSV), "--replace"]) == 0
    assert CalendarYear.objects.get().version == 2
