"""Database commands of ``qinqing appeals``: sweep, roll-up, API clients, retraining."""

from __future__ import annotations

import datetime as dt

import pytest

from qinqing.appeals.choices import AppealState
from qinqing.appeals.demo_data import DEMO_APPEALS
from qinqing.appeals.models import ApiClient, Appeal
from qinqing.cli.main import main
from tests.appeals.conftest import NOW
from tests.appeals.factories import acknowledged, make_appeal

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


def test_sweep_command_reports_what_it_did(appeals_world, capsys):
    acknowledged(appeals_world, NOW)
    assert main(["appeals", "sweep", "--now", "2026-03-24T09:00"]) == 0
    assert "转督办 1 件" in capsys.readouterr().out
    assert main(["appeals", "sweep", "--now", "2026-03-28T09:00"]) == 0  # Saturday
    assert "休息日" in capsys.readouterr().out
    assert main(["appeals", "sweep", "--now", "下周一"]) == 2
    assert "格式不对" in capsys.readouterr().err


def test_roll_up_and_rebuild_commands(appeals_world, capsys):
    acknowledged(appeals_world, NOW)
    assert main(["appeals", "roll-up", "--now", "2026-06-10T02:00"]) == 0
    assert "已汇总 24 个月" in capsys.readouterr().out
    assert main(["appeals", "rebuild-clocks"]) == 0
    assert "重算 1 件" in capsys.readouterr().out


def test_api_client_command_prints_the_token_once(appeals_world, capsys):
    assert (
        main(
            [
                "appeals",
                "api-client",
                "示例市12345平台",
                "--code",
                "city-12345",
                "--locality",
                "示例市",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1]
    client = ApiClient.objects.get(code="city-12345")
    assert client.locality == appeals_world.city and token not in client.token_hash
    assert (
        main(["appeals", "api-client", "再来", "--code", "city-12345", "--locality", "示例市"]) == 2
    )
    assert "已被使用" in capsys.readouterr().err


def test_retrain_router_from_closed_appeals(appeals_world, tmp_path, capsys):
    from qinqing.appeals.routing import load_router

    w = appeals_world
    for i, (label, kind, title, content, _) in enumerate(DEMO_APPEALS):
        appeal = make_appeal(
            w, NOW + dt.timedelta(minutes=i), appeal_type=kind, title=title, content=content
        )
        Appeal.objects.filter(pk=appeal.pk).update(state=AppealState.CLOSED, category=label)
    out = tmp_path / "local.npz"
    assert main(["appeals", "retrain-router", "--locality", "示例市", "--out", str(out)]) == 0
    assert f"已用 {len(DEMO_APPEALS)} 件已办结诉求" in capsys.readouterr().out
    router = load_router(out)
    assert set(router.labels) == {label for label, *_ in DEMO_APPEALS}
    assert (
        main(
            [
                "appeals",
                "retrain-router",
                "--locality",
                "示例市",
                "--out",
                str(tmp_path / "no" / "m.npz"),
            ]
        )
        == 2
    )
