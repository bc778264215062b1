"""A year of trade, week by week, through the use cases the API calls.

Each week the sites buy what runs low (purchase orders, goods receipts into batches with
supplier batch numbers and best-before dates), the mill makes compound feed from its
recipes (release, FEFO consumption, output batches linked to every input batch), bagged
feed is transferred to the Nordheide site, and customers order (priced by their price
lists and quantity breaks; confirmed against their credit limit; delivered FEFO; invoiced
and paid). How far a document gets depends on its age, so the recent weeks leave what a
real business has open: drafts, confirmed and partly delivered orders, unpaid invoices,
purchase orders still to arrive, planned production.

Dates: order, planned and production dates lie in the simulated week; best-before dates
follow from them. Postings, invoices and payments are stamped by the services with the
time they are made (today), as every posting is: the ledger cannot be back-dated.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from sqlalchemy.orm import Session

from landkontor.demo import catalogue
from landkontor.demo.catalogue import ItemSpec
from landkontor.demo.masterdata import CustomerRef, Scale, World
from landkontor.inventory.errors import InsufficientStock
from landkontor.inventory.models import MovementType
from landkontor.inventory.posting import PostingLine, post_movement
from landkontor.inventory.queries import pickable_stock
from landkontor.inventory.reservations import availability
from landkontor.production import orders as production
from landkontor.production.schemas import ConsumptionIn, OrderCreate, OutputIn
from landkontor.purchasing import orders as purchasing
from landkontor.purchasing.receipts import receive
from landkontor.purchasing.schemas import (
    GoodsReceiptCreate,
    PurchaseOrderCreate,
    PurchaseOrderLineIn,
    ReceiptBatchIn,
    ReceiptLineIn,
)
from landkontor.sales import orders as sales
from landkontor.sales.deliveries import deliver
from landkontor.sales.errors import CreditLimitExceeded
from landkontor.sales.invoicing import invoice_order, record_payment
from landkontor.sales.models import Invoice, SalesOrder
from landkontor.sales.schemas import (
    DeliveryCreate,
    DeliveryLineIn,
    InvoiceCreate,
    SalesOrderCreate,
    SalesOrderLineIn,
)

D = Decimal
ZERO = D(0)
MILL = "LIN"
FEED_TRANSFER_TO = "NOR"
PRODUCTION_SIZES = (100, 150, 200, 250, 300)  # dt
CONVERSION_COST_PER_DT = D("2.40")  # EUR: energy, pelleting, labour of the mill

# What each kind of customer buys (item group → weight) and which compound feeds.
SEGMENT_GROUPS: dict[str, dict[str, float]] = {
    "dairy": {
        "Mischfutter": 5,
        "Mineralfutter": 3,
        "Düngemittel": 2,
        "Saatgut": 1.5,
        "Pflanzenschutz": 1,
        "Betriebsbedarf": 1.5,
        "Futtermittel-Rohware": 1,
    },
    "pigs": {
        "Mischfutter": 6,
        "Mineralfutter": 3,
        "Getreide": 1,
        "Betriebsbedarf": 1,
        "Düngemittel": 1,
    },
    "arable": {
        "Düngemittel": 5,
        "Saatgut": 4,
        "Pflanzenschutz": 4,
        "Betriebsbedarf": 1,
    },
    "large": {
        "Mischfutter": 5,
        "Getreide": 3,
        "Ölsaaten": 1,
        "Futtermittel-Rohware": 2,
        "Düngemittel": 2,
    },
    "reseller": {
        "Mineralfutter": 3,
        "Mischfutter": 3,
        "Saatgut": 2,
        "Betriebsbedarf": 3,
        "Pflanzenschutz": 1,
    },
}
SEGMENT_SPECIES = {
    "dairy": {"cattle"},
    "pigs": {"pig", "poultry"},
    "reseller": {"horse", "poultry"},
    "large": {"cattle", "pig", "poultry"},
    "arable": set(),
}
SEGMENT_WEIGHT = {"dairy": 1.0, "pigs": 1.0, "arable": 1.0, "large": 3.0, "reseller": 2.0}
BULK_GROUPS = {"Mischfutter", "Getreide", "Ölsaaten", "Futtermittel-Rohware", "Düngemittel"}
SITE_WEIGHT = {"LIN": 5, "NOR": 3, "WEI": 2}
# Month → demand factor for seasonal goods (fertiliser in spring, seed at sowing time).
SEASON = {
    "Düngemittel": {1: 0.5, 2: 2, 3: 3, 4: 3, 5: 2, 6: 0.5, 7: 0.3, 8: 1, 9: 1.5, 10: 1},
    "Saatgut": {3: 2.5, 4: 2.5, 8: 1.5, 9: 3, 10: 2.5},
    "Pflanzenschutz": {3: 2, 4: 3, 5: 3, 6: 2, 9: 2, 10: 1.5},
}
OFF_SEASON = 0.3


@dataclass(frozen=True)
class ReceivedBatch:
    batch_id: int
    item_no: str
    site: str


@dataclass(frozen=True)
class Produced:
    order_id: int
    output_batch_id: int
    inputs: dict[int, Decimal]  # input batch id → quantity consumed


class Year:
    """The simulation's state: tracked stock per site and item (to decide what to buy and
    make), the batches received and made, and what was loaded."""

    def __init__(
        self,
        session: Session,
        world: World,
        scale: Scale,
        rng: random.Random,
        today: date,
        actor: str,
    ) -> None:
        self.session, self.world, self.scale = session, world, scale
        self.rng, self.today, self.actor = rng, today, actor
        self.stock: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        # Reserved for confirmed orders and released production, not yet taken.
        self.committed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.item_no_of = {item_id: no for no, item_id in world.items.items()}
        self.components = {
            no
            for spec in world.specs.values()
            if spec.species
            for no, _ in catalogue.recipe_for(spec)
        }
        # Items whose purchasing stops in the last 40 % of the year: they run below their
        # reorder point (the reorder proposals and the dashboard have something to show).
        self.scarce = {
            no
            for index, no in enumerate(sorted(world.specs))
            if index % 11 == 5 and no not in self.components and not world.specs[no].species
        }
        self.received: list[ReceivedBatch] = []
        self.produced: list[Produced] = []
        self.open_invoices: list[int] = []
        self.drafts: list[int] = []
        self.recalled_batch_id: int | None = None
        self.counts: Counter[str] = Counter()
        self._batch_seq = 0

    # --- calendar ---------------------------------------------------------------------
    def week_start(self, week: int) -> date:
        return self.today - timedelta(days=7 * (self.scale.weeks - week) - 1)

    def day_in(self, week: int) -> date:
        """A working day (Monday to Saturday) of the week, never after today."""
        day = self.week_start(week) + timedelta(days=self.rng.randrange(7))
        if day.weekday() == 6:
            day -= timedelta(days=1)
        return min(day, self.today)

    def free(self, site: str, item_no: str) -> Decimal:
        """Tracked stock less what is committed: what a new order may still get. (The
        simulation keeps its own books so that it need not ask the database per line; the
        services check every order against the real availability all the same.)"""
        return self.stock[(site, item_no)] - self.committed[(site, item_no)]

    def age(self, day: date) -> int:
        return (self.today - day).days

    # --- one week ---------------------------------------------------------------------
    def run_week(self, week: int) -> None:
        self.purchase(week)
        self.produce(week)
        if week % 2 == 1:
            self.transfer_feed(week)
        self.sell(week)

    # --- purchasing -------------------------------------------------------------------
    def _targets(self, site: str, spec: ItemSpec) -> tuple[Decimal, Decimal]:
        """Buy when the tracked stock falls below the first figure, up to the second."""
        if site == MILL and spec.item_no in self.components:
            return spec.lot * 3, spec.lot * 5
        return spec.lot, spec.lot * 2

    def _supplier(self, spec: ItemSpec) -> int:
        choices = self.world.suppliers[spec.supplier_kind]
        main = choices[int(spec.item_no) % len(choices)]
        return self.rng.choice(choices) if self.rng.random() < 0.15 else main

    def purchase(self, week: int) -> None:
        late = week >= int(self.scale.weeks * 0.6)
        wanted: dict[tuple[str, int], list[tuple[ItemSpec, Decimal]]] = defaultdict(list)
        for site in self.world.sites:
            for spec in self.world.stocked(site):
                if spec.species or (late and spec.item_no in self.scarce):
                    continue
                low, high = self._targets(site, spec)
                have = self.stock[(site, spec.item_no)]
                if have >= low:
                    continue
                lots = ((high - have) / spec.lot).to_integral_value(ROUND_CEILING)
                wanted[(site, self._supplier(spec))].append((spec, spec.lot * lots))
        for (site, supplier_id), lines in sorted(wanted.items()):
            for start in range(0, len(lines), 8):
                self.purchase_order(site, supplier_id, lines[start : start + 8], self.day_in(week))

    def purchase_order(
        self, site: str, supplier_id: int, lines: list[tuple[ItemSpec, Decimal]], day: date
    ) -> None:
        order = purchasing.create_order(
            self.session,
            PurchaseOrderCreate(
                supplier_id=supplier_id,
                order_date=day,
                expected_date=day + timedelta(days=3),
                supplier_reference=f"AB {self.rng.randrange(100000, 999999)}",
                note=f"Lieferung an {self.world.sites[site].spec.name}",
                lines=[
                    PurchaseOrderLineIn(
                        item_id=self.world.items[spec.item_no],
                        quantity=quantity,
                        unit=spec.unit,
                        unit_price=(spec.cost * D(self.rng.uniform(0.96, 1.04))).quantize(
                            D("0.0001")
                        ),
                    )
                    for spec, quantity in lines
                ],
            ),
            actor=self.actor,
        )
        purchasing.place_order(self.session, order.id)
        self.counts["purchase_orders"] += 1
        age = self.age(day)
        if age <= 3:
            return  # ordered, on its way
        order_lines = sorted(order.lines, key=lambda line: line.line_no)
        if age <= 9 and self.rng.random() < 0.5:
            order_lines = order_lines[: max(1, len(order_lines) // 2)]  # the rest follows
        self.goods_receipt(site, order.id, order_lines, day)

    def goods_receipt(self, site: str, order_id: int, order_lines: list, day: date) -> None:
        receipt_lines = []
        for line in order_lines:
            spec = self.world.specs[self.item_no_of[line.item_id]]
            quantity = line.quantity
            if spec.storage in (catalogue.SILO, catalogue.FLAT, catalogue.FERTILISER):
                # Weighed bulk goods: the weighbridge says a little more or less.
                quantity = (quantity * D(self.rng.uniform(0.97, 1.03))).quantize(D("0.001"))
            receipt_lines.append(
                ReceiptLineIn(
                    order_line_id=line.id,
                    quantity=quantity,
                    location_id=self.world.home(site, spec),
                    batch=self.new_batch(site, spec, day) if spec.batch_managed else None,
                )
            )
        receipt = receive(
            self.session,
            order_id,
            GoodsReceiptCreate(
                delivery_note_no=f"LS {self.rng.randrange(1000000, 9999999)}",
                lines=receipt_lines,
            ),
            actor=self.actor,
        )
        self.counts["goods_receipts"] += 1
        for line in receipt.lines:
            item_no = self.item_no_of[line.item_id]
            self.stock[(site, item_no)] += line.quantity
            if line.batch_id is not None:
                self.received.append(ReceivedBatch(line.batch_id, item_no, site))
                self.counts["batches"] += 1

    def new_batch(
        self, site: str, spec: ItemSpec, day: date, best_before: date | None = None
    ) -> ReceiptBatchIn:
        self._batch_seq += 1
        shelf_life = spec.shelf_life_days or 365
        made = None
        if spec.group not in ("Getreide", "Ölsaaten"):
            # Made some days before delivery, unless that would leave under a month.
            room = (day + timedelta(days=shelf_life) - self.today).days - 30
            made = day - timedelta(days=max(0, min(self.rng.randint(2, 30), room)))
        return ReceiptBatchIn(
            batch_no=f"{day:%y%m%d}-{site}-{self._batch_seq:04d}",
            supplier_batch_no=self.rng.choice("ABCDEFHKLMNPRS")
            + str(self.rng.randrange(10**4, 10**5)),
            production_date=made,
            best_before=best_before or (made or day) + timedelta(days=shelf_life),
        )

    # --- production -------------------------------------------------------------------
    def produce(self, week: int) -> None:
        if MILL not in self.world.sites:
            return
        feeds = [s for s in self.world.specs.values() if s.species]
        low = [s for s in feeds if self._feed_stock(s) < s.lot * D("1.5")]
        low.sort(key=lambda s: (self._feed_stock(s), s.item_no))
        for spec in low[: self.scale.production_per_week]:
            self.production_order(spec, self.day_in(week))

    def _feed_stock(self, spec: ItemSpec) -> Decimal:
        return sum((self.stock[(site, spec.item_no)] for site in self.world.sites), ZERO)

    def production_order(self, spec: ItemSpec, day: date) -> None:
        quantity = D(self.rng.choice(PRODUCTION_SIZES))
        order = production.create_order(
            self.session,
            OrderCreate(
                item_id=self.world.items[spec.item_no],
                quantity=quantity,
                unit="dt",
                warehouse_id=self.world.sites[MILL].warehouse_id,
                output_location_id=self.world.home(MILL, spec),
                planned_date=day,
                conversion_cost=quantity * CONVERSION_COST_PER_DT,
                note=f"Mischfutterwerk Lindenau, Charge {quantity.normalize():f} dt",
            ),
            actor=self.actor,
        )
        self.counts["production_orders"] += 1
        age = self.age(day)
        if production.shortages(self.session, order) or (age <= 3 and self.rng.random() < 0.5):
            return  # stays planned: material missing, or planned for the coming days
        production.release_order(self.session, order.id, strict=True, actor=self.actor)
        if age <= 3:
            for component in order.components:
                key = (MILL, self.item_no_of[component.item_id])
                self.committed[key] += component.planned_quantity
            return  # released: components reserved, production starts tomorrow
        production.consume(self.session, order.id, ConsumptionIn(), actor=self.actor)
        order = production.post_output(
            self.session,
            order.id,
            OutputIn(quantity=quantity, unit="dt", production_date=day, complete=True),
            actor=self.actor,
        )
        for component in order.components:
            self.stock[(MILL, self.item_no_of[component.item_id])] -= component.consumed_quantity
        self.stock[(MILL, spec.item_no)] += quantity
        batch_id = order.outputs[-1].batch_id
        assert batch_id is not None
        inputs = production.consumed_batches(self.session, order.id, order.item_id)
        self.produced.append(Produced(order.id, batch_id, inputs))
        self.counts["batches"] += 1

    # --- transfers --------------------------------------------------------------------
    def transfer_feed(self, week: int) -> None:
        """Bagged compound feed from the mill to the Nordheide site, when it runs low there."""
        if FEED_TRANSFER_TO not in self.world.sites or MILL not in self.world.sites:
            return
        mill = self.world.sites[MILL].warehouse_id
        day = self.day_in(week)
        for spec in self.world.stocked(FEED_TRANSFER_TO):
            if not spec.species or self.stock[(FEED_TRANSFER_TO, spec.item_no)] >= 40:
                continue
            item_id = self.world.items[spec.item_no]
            quantity = min(D(80), availability(self.session, item_id, mill).available)
            if quantity < 20:
                continue
            lines, remaining = [], quantity
            for row in pickable_stock(self.session, item_id, mill):
                take = min(remaining, row.quantity)
                lines.append(
                    PostingLine(
                        item_id=item_id,
                        location_id=row.location_id,
                        quantity=take,
                        batch_id=row.batch_id,
                        to_location_id=self.world.home(FEED_TRANSFER_TO, spec),
                    )
                )
                remaining -= take
                if remaining <= 0:
                    break
            post_movement(
                self.session,
                MovementType.transfer,
                lines,
                actor=self.actor,
                reference=f"UL-{day:%Y%m%d}-{spec.item_no}",
                reason="Umlagerung Mischfutterwerk Lindenau → Standort Nordheide",
            )
            moved = quantity - max(remaining, ZERO)
            self.stock[(MILL, spec.item_no)] -= moved
            self.stock[(FEED_TRANSFER_TO, spec.item_no)] += moved
            self.counts["transfers"] += 1

    # --- sales ------------------------------------------------------------------------
    def sell(self, week: int) -> None:
        customers = self.world.customers
        weights = [SEGMENT_WEIGHT[c.segment] for c in customers]
        sites = list(self.world.sites)
        site_weights = [SITE_WEIGHT.get(s, 1) for s in sites]
        for _ in range(self.scale.sales_per_week):
            customer = self.rng.choices(customers, weights)[0]
            site = MILL if customer.segment == "large" else self.rng.choices(sites, site_weights)[0]
            day = self.day_in(week)
            lines = self.order_lines(site, customer, day)
            if lines:
                self.sales_order(site, customer, lines, day)

    def _candidates(self, site: str, customer: CustomerRef, group: str) -> list[ItemSpec]:
        species = SEGMENT_SPECIES[customer.segment]
        return [
            s
            for s in self.world.stocked(site)
            if s.group == group and (not s.species or s.species in species)
        ]

    def order_lines(self, site: str, customer: CustomerRef, day: date) -> list[SalesOrderLineIn]:
        groups = SEGMENT_GROUPS[customer.segment]
        names = list(groups)
        weights = [
            groups[g] * SEASON.get(g, {}).get(day.month, 1 if g not in SEASON else OFF_SEASON)
            for g in names
        ]
        chosen: set[str] = set()
        lines = []
        for _ in range(self.rng.choices((1, 2, 3, 4), (4, 3, 2, 1))[0]):
            group = self.rng.choices(names, weights)[0]
            candidates = [
                s for s in self._candidates(site, customer, group) if s.item_no not in chosen
            ]
            if not candidates:
                continue
            spec = self.rng.choices(candidates, [3 if s.core else 1 for s in candidates])[0]
            chosen.add(spec.item_no)
            low, high = spec.sale_range
            count = D(self.rng.randint(low, high))
            if customer.segment == "large" and spec.group in BULK_GROUPS:
                count *= 3
            item_id = self.world.items[spec.item_no]
            free = self.free(site, spec.item_no)
            if count * spec.sale_factor > free:
                count = (free / spec.sale_factor).to_integral_value(ROUND_FLOOR)
            if count < 1:
                continue
            lines.append(SalesOrderLineIn(item_id=item_id, quantity=count, unit=spec.sale_unit))
        return lines

    def create_sales_order(
        self, site: str, customer: CustomerRef, lines: list[SalesOrderLineIn], day: date
    ) -> SalesOrder:
        order = sales.create_order(
            self.session,
            SalesOrderCreate(
                customer_id=customer.id,
                warehouse_id=self.world.sites[site].warehouse_id,
                order_date=day,
                requested_date=day + timedelta(days=self.rng.randint(1, 5)),
                customer_reference=self.rng.choice(
                    ("", "", "telefonisch", "per Fax", "Außendienst", "Online-Bestellung")
                ),
                lines=lines,
            ),
            actor=self.actor,
        )
        self.counts["sales_orders"] += 1
        return order

    def sales_order(
        self, site: str, customer: CustomerRef, lines: list[SalesOrderLineIn], day: date
    ) -> None:
        order = self.create_sales_order(site, customer, lines, day)
        age = self.age(day)
        if age <= 3 and self.rng.random() < 0.3:
            self.drafts.append(order.id)
            return  # still a draft: the clerk is waiting for the customer's answer
        if not self._confirm(order.id):
            self.drafts.append(order.id)
            return
        for line in order.lines:
            self.committed[(site, self.item_no_of[line.item_id])] += line.quantity
        if age <= 3:
            return  # confirmed, reserved, delivery in the coming days
        if age <= 7:
            if self.rng.random() < 0.5:
                self._deliver(order.id, partial=True)
            return
        self._deliver(order.id)
        if age <= 14 and self.rng.random() < 0.5:
            return  # delivered, invoice run still to come
        invoice = self.issue_invoice(order.id)
        if age <= 28 and self.rng.random() < 0.7:
            self.open_invoices.append(invoice.id)
            return  # not yet due or not yet paid
        record_payment(self.session, invoice.id, paid_on=None, actor=self.actor)
        self.counts["payments"] += 1

    def issue_invoice(self, order_id: int) -> Invoice:
        """Invoice what was delivered: the one place the demo issues invoices (what an
        invoice needs besides the order, such as the company's own data, goes here)."""
        invoice = invoice_order(self.session, order_id, InvoiceCreate(), actor=self.actor)
        self.counts["invoices"] += 1
        return invoice

    def _confirm(self, order_id: int) -> bool:
        """Confirm; a customer over its credit limit keeps the order as a draft."""
        try:
            with self.session.begin_nested():
                sales.confirm_order(self.session, order_id, actor=self.actor)
        except CreditLimitExceeded:
            self.counts["orders_over_credit_limit"] += 1
            return False
        except InsufficientStock:
            self.counts["orders_short_of_stock"] += 1
            return False
        return True

    def _deliver(self, order_id: int, *, partial: bool = False) -> None:
        data = DeliveryCreate(note="")
        if partial:
            order = sales.get_order(self.session, order_id)
            first = min(order.lines, key=lambda line: line.line_no)
            quantity = first.quantity if len(order.lines) > 1 else first.quantity / 2
            data = DeliveryCreate(
                lines=[
                    DeliveryLineIn(order_line_id=first.id, quantity=quantity.quantize(D("0.0001")))
                ],
                note="Teillieferung, Rest folgt",
            )
        delivery = deliver(self.session, order_id, data, actor=self.actor)
        self.counts["deliveries"] += 1
        site = self._site_of(delivery.warehouse_id)
        for line in delivery.lines:
            self.stock[(site, self.item_no_of[line.item_id])] -= line.quantity
            self.committed[(site, self.item_no_of[line.item_id])] -= line.quantity

    def _site_of(self, warehouse_id: int) -> str:
        return next(code for code, s in self.world.sites.items() if s.warehouse_id == warehouse_id)
