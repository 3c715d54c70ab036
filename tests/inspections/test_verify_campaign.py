"""Anyone holding the downloaded files can verify a campaign; the system verifies its own."""

from __future__ import annotations

import io
import zipfile

from django.urls import reverse

from qinqing.cli.main import main
from qinqing.inspections.models import Visit
from tests.inspections.conftest import drawn_campaign


def _download(client, campaign, tmp_path):
    response = client.get(reverse("inspections:campaign_package", args=[campaign.pk]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(tmp_path)
    return tmp_path


def _inputs(folder):
    return [
        "--entities",
        str(folder / "entities.csv"),
        "--items",
        str(folder / "items.csv"),
        "--inspectors",
        str(folder / "inspectors.csv"),
    ]


def test_downloaded_files_verify_with_the_db_free_command(iw, client_for, tmp_path, capsys):
    campaign = drawn_campaign(iw, publish=True)
    folder = _download(client_for(iw.leader), campaign, tmp_path)
    assert (folder / "README.txt").read_text(encoding="utf-8").count(campaign.commitment) >= 1
    code = main(
        [
            "inspections",
            "verify",
            str(folder / "DRAW.json"),
            *_inputs(folder),
            "--commitment",
            campaign.commitment,
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "核验通过" in out.out and f"{campaign.visits.count()} 个检查对象" in out.out
    # the CSV route gives the very commitment the campaign published
    assert main(["inspections", "commit", *_inputs(folder), "--seed", campaign.seed,
                 "--constraints", str(folder / "constraints.json")]) == 0  # fmt: skip
    assert f"承诺值：{campaign.commitment}" in capsys.readouterr().out


def test_an_edited_download_fails_verification(iw, client_for, tmp_path, capsys):
    campaign = drawn_campaign(iw, publish=True)
    folder = _download(client_for(iw.office_admin), campaign, tmp_path)
    items = folder / "items.csv"
    items.write_text(
        items.read_text(encoding="utf-8").replace(",0.5,", ",0.4,", 1), encoding="utf-8"
    )
    assert main(["inspections", "verify", str(folder / "DRAW.json"), *_inputs(folder)]) == 1
    assert "检查事项清单与抽取时的不一致" in capsys.readouterr().err


def test_verify_campaign_command_checks_files_and_registered_visits(iw, capsys):
    campaign = drawn_campaign(iw)
    assert main(["inspections", "verify-campaign", str(campaign.pk)]) == 0
    assert "核验通过" in capsys.readouterr().out
    visit = Visit.objects.filter(campaign=campaign).order_by("number").last()
    visit.inspectors.remove(visit.inspectors.first())
    assert main(["inspections", "verify-campaign", str(campaign.pk)]) == 1
    err = capsys.readouterr().err
    assert f"第 {visit.number} 个检查对象 {visit.uscc} 的检查人员" in err
    assert main(["inspections", "verify-campaign", "99999"]) == 2
    assert "抽查计划 99999 不存在" in capsys.readouterr().err
