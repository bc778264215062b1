"""`landkontor grain …` in-process against the test database."""

from __future__ import annotations

from typer.testing import CliRunner

from landkontor.cli.main import app

runner = CliRunner()


def test_flat_rates_are_listed_and_a_new_rate_is_added(db):
    listed = runner.invoke(app, ["grain", "flat-rates"])
    assert listed.exit_code == 0, listed.output
    assert "2025-01-01" in listed.output and "7.8" in listed.output
    added = runner.invoke(app, ["grain", "add-flat-rate", "2027-01-01", "7.2"])
    assert added.exit_code == 0, added.output
    again = runner.invoke(app, ["grain", "add-flat-rate", "2027-01-01", "7.0"])
    assert again.exit_code == 1 and "exists" in again.output
    bad = runner.invoke(app, ["grain", "add-flat-rate", "2027-02-01", "abc"])
    assert bad.exit_code == 1
    assert "2027-01-01" in runner.invoke(app, ["grain", "flat-rates"]).output


def test_silos_and_unsettled_run_on_an_empty_harvest(db):
    for command in ("silos", "unsettled"):
        result = runner.invoke(app, ["grain", command])
        assert result.exit_code == 0, result.output
