"""Builders for test data through the HTTP API (the way users create it)."""

from __future__ import annotations

from itertools import count
from typing import Any

_numbers = count(1)


class Stock:
    """Creates master data and posts stock through the API with the given headers."""

    def __init__(self, client: Any, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def post(self, url: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        """POST ``body`` to an API path (``/api/v1/…``) and assert the status."""
        response = self.client.post(url, json=body, headers=self.headers)
        assert response.status_code == status, response.text
        return response.json()

    def item(self, **fields: Any) -> dict[str, Any]:
        body = {"item_no": f"I-{next(_numbers)}", "name": "Test item", "base_unit": "kg"}
        return self.post("/api/v1/items", {**body, **fields})

    def warehouse(self, **fields: Any) -> dict[str, Any]:
        body = {"code": f"W{next(_numbers)}", "name": "Lager"}
        return self.post("/api/v1/warehouses", {**body, **fields})

    def location(self, warehouse_id: int, **fields: Any) -> dict[str, Any]:
        body = {"warehouse_id": warehouse_id, "code": f"L{next(_numbers)}", "name": "Platz"}
        return self.post("/api/v1/locations", {**body, **fields})

    def batch(self, item_id: int, **fields: Any) -> dict[str, Any]:
        body = {"item_id": item_id, "batch_no": f"B{next(_numbers)}"}
        return self.post("/api/v1/batches", {**body, **fields})

    def move(self, type_: str, *lines: dict[str, Any], status: int = 201, **fields: Any):
        body = {"type": type_, "lines": list(lines), **fields}
        response = self.client.post("/api/v1/stock/movements", json=body, headers=self.headers)
        assert response.status_code == status, response.text
        return response.json()

    def receive(self, item_id: int, location_id: int, quantity: Any, reference: str = "", **line):
        line = {"item_id": item_id, "location_id": location_id, "quantity": str(quantity), **line}
        return self.move("receipt", line, reference=reference)

    def issue(self, item_id: int, location_id: int, quantity: Any, reference: str = "", **line):
        line = {"item_id": item_id, "location_id": location_id, "quantity": str(quantity), **line}
        return self.move("issue", line, reference=reference)

    def levels(self, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get("/api/v1/stock/levels", params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def level(self, item_id: int, location_id: int, batch_id: int | None = None) -> str:
        rows = [
            r
            for r in self.levels(item_id=item_id, location_id=location_id, include_zero=True)
            if r["location_id"] == location_id and r["batch_id"] == batch_id
        ]
        return rows[0]["quantity"] if rows else "0"

    # --- production ----------------------------------------------------------------------
    def recipe(
        self, item_id: int, *components: dict[str, Any], output_quantity: Any = 1000, **fields
    ) -> dict[str, Any]:
        """A bill of materials for ``output_quantity`` of the item; ``components`` are lines
        like ``{"item_id": …, "quantity": 600}`` (optionally ``loss_percent``)."""
        body = {"item_id": item_id, "output_quantity": output_quantity, "lines": list(components)}
        return self.post("/api/v1/boms", {**body, **fields})

    def production_order(
        self, item_id: int, quantity: Any, warehouse_id: int, **fields: Any
    ) -> dict[str, Any]:
        """A planned production order (``output_location_id`` etc. as ``fields``)."""
        body = {"item_id": item_id, "quantity": quantity, "warehouse_id": warehouse_id}
        return self.post("/api/v1/production-orders", {**body, **fields})

    def produce(
        self, order_id: int, quantity: Any, *, complete: bool = True, **output: Any
    ) -> dict[str, Any]:
        """Release the order, consume its components (FEFO) and report ``quantity`` made
        (``output`` fields such as ``batch_no`` go with it); returns the order after it."""
        url = f"/api/v1/production-orders/{order_id}"
        self.post(f"{url}/release", {}, status=200)
        self.post(f"{url}/consumptions", {}, status=200)
        body = {"quantity": quantity, "complete": complete, **output}
        return self.post(f"{url}/outputs", body, status=200)
