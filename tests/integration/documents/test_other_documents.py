"""Delivery notes, purchase orders and production order papers as PDF: the batch numbers
and best-before dates a recall needs, the FEFO batches to take, and the bad inputs."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.helpers import assert_problem


def _pdf(client, url, headers, filename):
    response = client.get("/api/v1" + url, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_delivery_note_lists_batches_and_best_before_dates(client, viewer, trade, shop):
    order = trade.sales_order(
        shop["customer"]["id"],
        shop["wh"]["id"],
        {"item_id": shop["feed"]["id"], "quantity": "120"},
        {"item_id": shop["seed"]["id"], "quantity": "15"},
        confirm=True,
    )
    delivery = trade.deliver(order["id"])
    text = _pdf(
        client,
        f"/deliveries/{delivery['id']}/pdf",
        viewer,
        f"Lieferschein_{delivery['delivery_no']}.pdf",
    )
    batch = trade.get(f"/batches/{delivery['lines'][0]['batch_id']}")
    best_before = ".".join(reversed(batch["best_before"].split("-")))
    for expected in (
        delivery["delivery_no"],
        "Hof Meyer GbR",
        "Milchleistungsfutter",
        "Saatgut Weizen",
        "F-77",
        best_before,
        "120",
        "kg",
        order["order_no"],
    ):
        assert expected in text, expected


def test_purchase_order_pdf_only_once_placed(client, viewer, trade, shop):
    supplier = trade.supplier(name="Raiffeisen Futtermittel eG", city="Hannover")
    draft = trade.purchase_order(
        supplier["id"],
        {"item_id": shop["feed"]["id"], "quantity": "2000", "unit_price": "0.31"},
        place=False,
    )
    assert_problem(
        client.get(f"/api/v1/purchase-orders/{draft['id']}/pdf", headers=viewer),
        409,
        "invalid-state",
    )
    placed = trade.post(f"/purchase-orders/{draft['id']}/order", status=200)
    text = _pdf(
        client,
        f"/purchase-orders/{placed['id']}/pdf",
        viewer,
        f"Bestellung_{placed['order_no']}.pdf",
    )
    for expected in (
        placed["order_no"],
        "Raiffeisen Futtermittel eG",
        "Milchleistungsfutter",
        "620,00 €",
    ):
        assert expected in text, expected


def test_production_order_paper_names_the_batches_to_use(client, viewer, stock, shop):
    wh, a = shop["wh"], shop["a"]
    mix = stock.item(item_no="MIX", name="Kälbermüsli", batch_managed=True, shelf_life_days=60)
    stock.recipe(mix["id"], {"item_id": shop["feed"]["id"], "quantity": 80}, output_quantity=100)
    planned = stock.production_order(mix["id"], 200, wh["id"], output_location_id=a["id"])
    assert_problem(
        client.get(f"/api/v1/production-orders/{planned['id']}/pdf", headers=viewer),
        409,
        "invalid-state",
    )
    released = stock.post(f"/api/v1/production-orders/{planned['id']}/release", {}, status=200)
    text = _pdf(
        client,
        f"/production-orders/{released['id']}/pdf",
        viewer,
        f"Produktionsauftrag_{released['number']}.pdf",
    )
    for expected in (released["number"], "Kälbermüsli", "Milchleistungsfutter", "F-77", "160 kg"):
        assert expected in text, expected


def test_production_order_paper_of_an_over_consumed_component(client, viewer, stock, shop):
    """More taken than planned (recorded as a variance): nothing is open, nothing to pick."""
    mix = stock.item(item_no="MIX2", name="Kälberstarter", batch_managed=True, shelf_life_days=60)
    stock.recipe(mix["id"], {"item_id": shop["feed"]["id"], "quantity": 80}, output_quantity=100)
    planned = stock.production_order(
        mix["id"], 100, shop["wh"]["id"], output_location_id=shop["a"]["id"]
    )
    released = stock.post(f"/api/v1/production-orders/{planned['id']}/release", {}, status=200)
    consumed = stock.post(
        f"/api/v1/production-orders/{released['id']}/consumptions",
        {"lines": [{"item_id": shop["feed"]["id"], "quantity": 95}]},
        status=200,
    )
    assert consumed["components"][0]["consumed_quantity"] == "95.0000"
    text = _pdf(
        client,
        f"/production-orders/{released['id']}/pdf",
        viewer,
        f"Produktionsauftrag_{released['number']}.pdf",
    )
    # planned, consumed, open (not -15) of the one component
    assert "Milchleistungsfutter\n80\n95\n0\nkg" in text, text
    assert "F-77" not in text  # no batch to take


def test_documents_of_unknown_records_are_problems(client, viewer):
    for url in (
        "/deliveries/999999/pdf",
        "/purchase-orders/999999/pdf",
        "/production-orders/999999/pdf",
    ):
        assert_problem(client.get("/api/v1" + url, headers=viewer), 404)
    assert_problem(client.get("/api/v1/deliveries/-1/pdf", headers=viewer), 422)
    assert_problem(client.get(f"/api/v1/deliveries/{2**63}/pdf", headers=viewer), 422)
