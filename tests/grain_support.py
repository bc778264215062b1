"""A harvest site for grain tests, built through the HTTP API as users build it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

_records = count(1)

WHEAT_TERMS = {
    "season": 2026,
    "valid_from": "2020-01-01",
    "base_moisture": "14.5",
    "base_foreign_matter": "2.0",
    "handling_loss_percent": "0.5",
    "handling_loss_only_when_drying": True,
    "drying_cost_per_t_point": "1.50",
    "cleaning_cost_per_t_point": "2.00",
    "reject_moisture_above": "20",
    "reject_foreign_matter_above": "8",
    "reject_action": "refuse",
    "feed_grade_discount_per_t": "12",
    "classes": [
        {"code": "E", "min_protein": "14", "min_falling_number": 250, "premium_per_t": "15"},
        {
            "code": "A",
            "min_protein": "13",
            "min_falling_number": 250,
            "min_hectolitre_weight": "76",
            "premium_per_t": "5",
        },
        {"code": "B", "min_protein": "12", "min_falling_number": 220},
        {"code": "C", "premium_per_t": "-10"},
    ],
}


def weighing(kg: Any, minutes: int = 0) -> dict[str, Any]:
    at = datetime(2026, 7, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    return {"weight_kg": str(kg), "record_no": f"R{next(_records)}", "weighed_at": at.isoformat()}


class Harvest:
    """One site (NORD) with a weighbridge, silo cells Z1 to Z3, wheat with quality terms and a
    day price of 200 EUR/t, and farmers made on demand."""

    def __init__(self, stock: Any, trade: Any) -> None:
        self.stock = stock
        self.trade = trade
        self.client = stock.client
        self.site = stock.warehouse(code="NORD")
        self.cells = [
            stock.location(self.site["id"], code=f"Z{n}", name=f"Zelle {n}", kind="silo")
            for n in (1, 2, 3)
        ]
        self.bin = stock.location(self.site["id"], code="HALLE", kind="hall")
        self.wheat = stock.item(
            item_no="WEIZEN", name="Weizen", batch_managed=True, vat_category="reduced"
        )
        self.bridge = self.post_manager(
            "/grain/weighbridges", {"warehouse_id": self.site["id"], "code": "W1", "name": "Waage"}
        )
        self.terms = self.post_manager(
            "/grain/quality-terms", {"item_id": self.wheat["id"], **WHEAT_TERMS}
        )
        self.post_manager(
            "/grain/day-prices",
            {
                "warehouse_id": self.site["id"],
                "item_id": self.wheat["id"],
                "valid_on": "2020-01-01",
                "price_per_t": "200",
            },
        )

    def post_manager(self, url: str, body: Any, status: int = 201) -> Any:
        return self.trade.post(url, body, as_="manager", status=status)

    def call(self, method: str, url: str, body: Any = None, as_: str = "clerk"):
        return self.trade.call(method, url, body, as_=as_)

    def post(self, url: str, body: Any = None, status: int = 201) -> Any:
        return self.trade.post(url, body, status=status)

    def get(self, url: str, **params: Any) -> Any:
        return self.trade.get(url, **params)

    def farmer(self, regime: str = "regular", **fields: Any) -> dict[str, Any]:
        farmer = self.trade.supplier(name=fields.pop("name", "Hof Hansen"), **fields)
        self.trade.call(
            "PUT", f"/grain/farmers/{farmer['id']}", {"vat_regime": regime}, as_="manager"
        )
        return farmer

    def ticket(self, farmer: dict, gross: Any = 40000, tare: Any = 15000, **fields: Any):
        body = {
            "weighbridge_id": self.bridge["id"],
            "supplier_id": farmer["id"],
            "item_id": self.wheat["id"],
            "vehicle_plate": "CE-AB 123",
            "gross": weighing(gross) if gross is not None else None,
            "tare": weighing(tare, 20) if tare is not None else None,
            **fields,
        }
        return self.post("/grain/tickets", body)

    def analyse(self, ticket: dict, moisture: Any = "16.5", foreign: Any = "3.0", **more: Any):
        body = {"moisture": str(moisture), "foreign_matter": str(foreign), **more}
        return self.post(f"/grain/tickets/{ticket['id']}/analyses", body)

    def take_in(self, ticket: dict, cell: dict, status: int = 200) -> dict[str, Any]:
        return self.post(
            f"/grain/tickets/{ticket['id']}/intake", {"location_id": cell["id"]}, status=status
        )

    def load(self, farmer: dict, cell: dict, gross: Any = 40000, tare: Any = 15000, **sample):
        """A truck weighed, sampled (16.5 % moisture, 3 % foreign matter, class A by
        default) and taken in."""
        ticket = self.ticket(farmer, gross, tare)
        sample = {"protein": "13.4", "falling_number": 280, "hectolitre_weight": "77", **sample}
        self.analyse(ticket, sample.pop("moisture", "16.5"), sample.pop("foreign", "3.0"), **sample)
        return self.take_in(ticket, cell)

    def contract(self, farmer: dict, quantity_t: Any, **fields: Any) -> dict[str, Any]:
        body = {
            "supplier_id": farmer["id"],
            "item_id": self.wheat["id"],
            "quantity_t": str(quantity_t),
            "delivery_from": "2020-01-01",
            "delivery_to": "2099-12-31",
            "pricing": "fixed",
            "price_per_t": "210",
            **fields,
        }
        return self.post("/grain/contracts", body)

    def settle(self, farmer: dict, *tickets: dict, **fields: Any) -> dict[str, Any]:
        body = {"supplier_id": farmer["id"], "ticket_ids": [t["id"] for t in tickets], **fields}
        return self.post("/grain/settlements", body)

    def level(self, cell: dict, batch_id: int | None) -> str:
        return self.stock.level(self.wheat["id"], cell["id"], batch_id)
