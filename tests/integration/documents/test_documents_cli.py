"""`landkontor documents datev-export` / `archive` write the files the jobs make."""

import zipfile

from typer.testing import CliRunner

from landkontor.cli.main import app

runner = CliRunner()


def test_cli_writes_the_datev_batch_and_the_archive(long_invoice, tmp_path):
    day = long_invoice["invoice_date"]
    target = tmp_path / "extf.csv"
    result = runner.invoke(
        app, ["documents", "datev-export", "--from", day, "--to", day, "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    lines = target.read_bytes().decode("cp1252").split("\r\n")
    assert lines[0].startswith('"EXTF";700;21;') and len(lines) == 2 + 2 + 1  # two rates, end
    archive = tmp_path / "belege.zip"
    result = runner.invoke(
        app, ["documents", "archive", "--from", day, "--to", day, "-o", str(archive)]
    )
    assert result.exit_code == 0, result.output
    assert (
        f"Rechnungen/Rechnung_{long_invoice['number']}.pdf" in zipfile.ZipFile(archive).namelist()
    )


def test_cli_refuses_bad_dates(db, tmp_path):
    result = runner.invoke(
        app, ["documents", "datev-export", "--from", "2026-13-01", "--to", "2026-12-31", "-o", "x"]
    )
    assert result.exit_code == 2 and "--from must be a date" in result.output
    result = runner.invoke(
        app, ["documents", "archive", "--from", "2026-02-01", "--to", "2026-01-01", "-o", "x"]
    )
    assert result.exit_code == 2
