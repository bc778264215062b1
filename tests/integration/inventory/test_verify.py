"""`landkontor stock verify` proves levels and values equal the ledger, and finds tampering."""

from sqlalchemy import text
from typer.testing import CliRunner

from landkontor.cli.main import app

runner = CliRunner()


def test_verify_is_clean_after_postings_and_flags_a_tampered_level(stock, db):
    wh = stock.warehouse()
    a, b = stock.location(wh["id"]), stock.location(wh["id"])
    item = stock.item()
    stock.receive(item["id"], a["id"], 50, unit_cost="1.5")
    stock.issue(item["id"], a["id"], 20)
    stock.move(
        "transfer",
        {"item_id": item["id"], "location_id": a["id"], "to_location_id": b["id"], "quantity": 5},
    )
    clean = runner.invoke(app, ["stock", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "consistent" in clean.output

    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE stock_levels SET quantity = quantity + 1 WHERE location_id = :l"),
            {"l": b["id"]},
        )
    broken = runner.invoke(app, ["stock", "verify", "--json"])
    assert broken.exit_code == 1
    assert '"kind": "level"' in broken.output


def test_decimal_fractions_leave_no_residue_in_levels_or_in_verify(stock, db):
    # SQLite adds NUMERIC as binary floating point: 0.1 + 0.2 - 0.3 is 5.5e-17 there. A level
    # must still be zero (else FEFO offers a pick of 0) and verify must not see a difference.
    from landkontor.inventory.queries import pickable_stock
    from landkontor.inventory.verify import verify_stock

    wh = stock.warehouse()
    a = stock.location(wh["id"])
    item = stock.item()
    stock.receive(item["id"], a["id"], "0.1", unit_cost="3")
    stock.receive(item["id"], a["id"], "0.2", unit_cost="3")
    stock.issue(item["id"], a["id"], "0.3")
    with db.session() as session:
        assert pickable_stock(session, item["id"], wh["id"]) == []
        assert verify_stock(session) == []
