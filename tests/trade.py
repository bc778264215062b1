"""Builders for partners, prices, purchase and sales documents through the HTTP API."""

from __future__ import annotations

from itertools import count
from typing import Any

_numbers = count(1)  # generated numbers carry a T: never one a test spells out (K-100)

# A company with everything an invoice and its e-invoice need (IBAN and VAT id are valid).
COMPANY: dict[str, Any] = {
    "legal_name": "Landhandel Heide GmbH",
    "street": "Bahnhofstraße 12",
    "postal_code": "29221",
    "city": "Celle",
    "country": "DE",
    "vat_id": "DE136695976",
    "tax_number": "17/123/45678",
    "register_court": "Amtsgericht Lüneburg",
    "register_number": "HRB 123456",
    "managing_directors": "Anna Schulte, Bernd Krüger",
    "bank_name": "Sparkasse Celle",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
    "phone": "+49 5141 12345",
    "email": "rechnung@landhandel-heide.de",
    "website": "https://landhandel-heide.de",
    "datev_consultant_number": 1234567,
    "datev_client_number": 42,
}


class Trade:
    """Master data as a manager, documents as a clerk (the roles the routes require)."""

    def __init__(self, client: Any, manager: dict[str, str], clerk: dict[str, str]) -> None:
        self.client = client
        self.manager = manager
        self.clerk = clerk

    def call(self, method: str, url: str, body: Any = None, *, as_: str = "clerk", status=None):
        headers = self.manager if as_ == "manager" else self.clerk
        response = self.client.request(method, "/api/v1" + url, json=body, headers=headers)
        if status is not None:
            assert response.status_code == status, response.text
        return response

    def post(self, url: str, body: Any = None, *, as_: str = "clerk", status: int = 201):
        return self.call("POST", url, body, as_=as_, status=status).json()

    def get(self, url: str, **params: Any) -> Any:
        response = self.client.get("/api/v1" + url, params=params, headers=self.clerk)
        assert response.status_code == 200, response.text
        return response.json()

    # --- master data ---------------------------------------------------------------------
    def enter_company(self, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
        response = self.client.put("/api/v1/company", json={**COMPANY, **fields}, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()

    def supplier(self, **fields: Any) -> dict[str, Any]:
        body = {"supplier_no": f"L-T{next(_numbers)}", "name": "Agrarhandel Nord eG"}
        return self.post("/suppliers", {**body, **fields}, as_="manager")

    def group(self, **fields: Any) -> dict[str, Any]:
        body = {"code": f"G-T{next(_numbers)}", "name": "Landwirte"}
        return self.post("/customer-groups", {**body, **fields}, as_="manager")

    def customer(self, **fields: Any) -> dict[str, Any]:
        body = {"customer_no": f"K-T{next(_numbers)}", "name": "Hof Meyer", "city": "Celle"}
        return self.post("/customers", {**body, **fields}, as_="manager")

    def price_list(self, *prices: dict[str, Any], **fields: Any) -> dict[str, Any]:
        body = {"code": f"PL-T{next(_numbers)}", "name": "Preisliste", "prices": list(prices)}
        return self.post("/price-lists", {**body, **fields}, as_="manager")

    # --- purchasing ----------------------------------------------------------------------
    def purchase_order(self, supplier_id: int, *lines: dict[str, Any], place: bool = True):
        order = self.post("/purchase-orders", {"supplier_id": supplier_id, "lines": list(lines)})
        if place:
            order = self.post(f"/purchase-orders/{order['id']}/order", status=200)
        return order

    def receive(self, order_id: int, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
        return self.post(f"/purchase-orders/{order_id}/receipts", {"lines": list(lines), **fields})

    def buy_batch(
        self,
        supplier_id: int,
        item_id: int,
        quantity: Any,
        unit_price: str,
        *,
        location_id: int,
        batch_no: str,
        best_before: str | None = None,
    ) -> dict[str, Any]:
        """Order ``quantity`` of an item and receive all of it into a new batch; returns the
        goods receipt (its batch: ``["lines"][0]["batch_id"]``)."""
        order = self.purchase_order(
            supplier_id, {"item_id": item_id, "quantity": quantity, "unit_price": unit_price}
        )
        line = {
            "order_line_id": order["lines"][0]["id"],
            "quantity": quantity,
            "location_id": location_id,
            "batch": {"batch_no": batch_no, "best_before": best_before},
        }
        return self.receive(order["id"], line)

    # --- sales ---------------------------------------------------------------------------
    def sales_order(
        self, customer_id: int, warehouse_id: int, *lines: dict[str, Any], confirm: bool = False
    ) -> dict[str, Any]:
        body = {"customer_id": customer_id, "warehouse_id": warehouse_id, "lines": list(lines)}
        order = self.post("/sales-orders", body)
        if confirm:
            order = self.post(f"/sales-orders/{order['id']}/confirm", status=200)
        return order

    def deliver(self, order_id: int, *lines: dict[str, Any]) -> dict[str, Any]:
        body = {"lines": list(lines)} if lines else None
        return self.post(f"/sales-orders/{order_id}/deliveries", body)

    def invoice(self, order_id: int) -> dict[str, Any]:
        return self.post(f"/sales-orders/{order_id}/invoice")

    def order(self, order_id: int) -> dict[str, Any]:
        return self.get(f"/sales-orders/{order_id}")

    def availability(self, item_id: int, warehouse_id: int) -> dict[str, Any]:
        return self.get(f"/stock/availability/{item_id}", warehouse_id=warehouse_id)
