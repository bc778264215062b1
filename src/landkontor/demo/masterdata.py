"""Master data of the demo, created through the domains' use cases: sites with their
storage-location trees, items with pack units, suppliers, customer groups with price lists
and quantity breaks, customers, and the compound feed recipes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session
from stdnum.iso7064 import mod_11_10

from landkontor.catalog.schemas import ItemCreate, PackUnitIn
from landkontor.catalog.service import create_item
from landkontor.company.schemas import CompanyIn
from landkontor.company.service import get_company, put_company
from landkontor.demo import catalogue, names, sites
from landkontor.demo.catalogue import ItemSpec
from landkontor.demo.sites import SiteSpec
from landkontor.inventory.locations import create_location, create_warehouse
from landkontor.inventory.models import LocationKind
from landkontor.inventory.schemas import LocationCreate, WarehouseCreate
from landkontor.partners.pricing import create_price_list
from landkontor.partners.schemas import (
    CustomerCreate,
    CustomerGroupCreate,
    CustomerUpdate,
    PriceIn,
    PriceListCreate,
    SupplierCreate,
)
from landkontor.partners.service import (
    create_customer,
    create_group,
    create_supplier,
    update_customer,
)
from landkontor.production.boms import create_bom
from landkontor.production.schemas import BomCreate, BomLineIn

D = Decimal


@dataclass(frozen=True)
class Scale:
    """How much the demo loads. ``small`` has every kind of thing, for tests and a quick look."""

    name: str
    per_group: int | None  # items per item group besides the core items (None: all)
    weeks: int  # weeks of trade up to today
    sales_per_week: int
    production_per_week: int
    farmers: int
    large_customers: int
    resellers: int


SCALES = {
    "small": Scale("small", 3, 8, 6, 1, 14, 3, 3),
    "full": Scale("full", None, 52, 10, 2, 110, 12, 10),
}


@dataclass
class Site:
    spec: SiteSpec
    warehouse_id: int
    leaves: dict[str, list[int]] = field(default_factory=dict)  # storage kind → location ids


@dataclass(frozen=True)
class CustomerRef:
    id: int
    segment: str  # dairy, pigs, arable, large, reseller


@dataclass
class World:
    """What the master data step made: the ids the simulation works with."""

    sites: dict[str, Site] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)  # item_no → id
    specs: dict[str, ItemSpec] = field(default_factory=dict)
    suppliers: dict[str, list[int]] = field(default_factory=dict)  # kind → ids
    customers: list[CustomerRef] = field(default_factory=list)
    locations_created: int = 0
    recipes: int = 0

    def home(self, site: str, spec: ItemSpec) -> int:
        """The location where a site keeps an item (one per item, spread over the leaves)."""
        leaves = self.sites[site].leaves[spec.storage]
        return leaves[int(spec.item_no) % len(leaves)]

    def stocked(self, site: str) -> list[ItemSpec]:
        groups = self.sites[site].spec.groups
        return [s for s in self.specs.values() if s.group in groups]


def vat_id(rng: random.Random) -> str:
    """A German USt-IdNr. with a correct check digit (ISO 7064 Mod 11,10), made up."""
    body = str(rng.randrange(10_000_000, 100_000_000))
    return f"DE{body}{mod_11_10.calc_check_digit(body)}"


# --- sites ------------------------------------------------------------------------------


class _Tree:
    def __init__(self, session: Session, world: World, site: Site) -> None:
        self.session, self.world, self.site = session, world, site

    def add(
        self,
        code: str,
        name: str,
        kind: LocationKind,
        parent: int | None = None,
        *,
        storage: str | None = None,
        capacity: Decimal | None = None,
        blocked: bool = False,
    ) -> int:
        location = create_location(
            self.session,
            LocationCreate(
                warehouse_id=self.site.warehouse_id,
                parent_id=parent,
                code=code,
                name=name,
                kind=kind,
                capacity=capacity,
                blocked=blocked,
            ),
        )
        self.world.locations_created += 1
        if storage is not None:
            self.site.leaves.setdefault(storage, []).append(location.id)
        return location.id


def create_sites(session: Session, world: World) -> None:
    for spec in sites.SITES:
        warehouse = create_warehouse(
            session, WarehouseCreate(code=spec.code, name=spec.name, address=spec.address)
        )
        site = Site(spec, warehouse.id)
        world.sites[spec.code] = site
        _build_tree(_Tree(session, world, site), spec)


def _build_tree(tree: _Tree, spec: SiteSpec) -> None:
    silo_area = tree.add("SILO", "Siloanlage", LocationKind.zone)
    for n in range(1, spec.silos + 1):
        tree.add(
            f"SZ{n:02d}",
            f"Silozelle {n}",
            LocationKind.silo,
            silo_area,
            storage=catalogue.SILO,
            capacity=D(600),
        )
    if spec.flat_boxes:
        flat = tree.add("FL", "Flachlager Futtermittel", LocationKind.hall)
        for n in range(1, spec.flat_boxes + 1):
            tree.add(f"FL-B{n}", f"Box {n}", LocationKind.area, flat, storage=catalogue.FLAT)
    hall = tree.add("H1", "Halle 1 Sackware", LocationKind.hall)
    for a in range(spec.aisles):
        aisle_code = "ABCDEF"[a]
        aisle = tree.add(f"H1-{aisle_code}", f"Gang {aisle_code}", LocationKind.aisle, hall)
        for r in range(1, spec.racks + 1):
            rack = tree.add(
                f"H1-{aisle_code}{r}", f"Regal {aisle_code}{r}", LocationKind.rack, aisle
            )
            for b in range(1, spec.bins + 1):
                tree.add(
                    f"H1-{aisle_code}{r}-{b}",
                    f"Fach {aisle_code}{r}-{b}",
                    LocationKind.bin,
                    rack,
                    storage=catalogue.BAGS,
                )
    fertiliser = tree.add("H2", "Halle 2 Düngemittel", LocationKind.hall)
    for n in range(1, spec.fertiliser_boxes + 1):
        tree.add(
            f"H2-B{n}",
            f"Düngerbox {n}",
            LocationKind.area,
            fertiliser,
            storage=catalogue.FERTILISER,
        )
    # A box under repair: blocked, so nothing is stored there (shows on the Lager screen).
    tree.add(
        f"H2-B{spec.fertiliser_boxes + 1}",
        f"Düngerbox {spec.fertiliser_boxes + 1} (Dach undicht, gesperrt)",
        LocationKind.area,
        fertiliser,
        blocked=True,
    )
    psm = tree.add("PSM", "Pflanzenschutzlager (abschließbar)", LocationKind.zone)
    shelves = max(1, spec.psm_bins // 4)
    for r in range(1, shelves + 1):
        rack = tree.add(f"PSM-R{r}", f"PSM-Regal {r}", LocationKind.rack, psm)
        for b in range(1, 5):
            tree.add(
                f"PSM-R{r}-{b}", f"PSM-Fach {r}-{b}", LocationKind.bin, rack, storage=catalogue.PSM
            )
    goods = tree.add("BB", "Betriebsbedarf", LocationKind.area)
    tree.site.leaves.setdefault(catalogue.GOODS, []).append(goods)
    if spec.mill:
        mill = tree.add("MFW", "Mischfutterwerk", LocationKind.zone)
        for n in range(1, 5):
            tree.add(
                f"MFW-FS{n}",
                f"Fertigwarensilo {n}",
                LocationKind.silo,
                mill,
                storage=catalogue.OUTPUT,
                capacity=D(800),
            )
        tree.add(
            "MFW-ABS",
            "Absackung / Palettenlager",
            LocationKind.area,
            mill,
            storage=catalogue.OUTPUT,
        )
    else:
        # Sites without a mill keep compound feed from the mill in their bag hall.
        tree.site.leaves[catalogue.OUTPUT] = tree.site.leaves[catalogue.BAGS]


# --- items and recipes ------------------------------------------------------------------


def reorder_point(spec: ItemSpec) -> Decimal:
    """Company-wide reorder point: two purchase lots (compound feed: one and a half batches)."""
    return spec.lot * D("1.5") if spec.storage == catalogue.OUTPUT else spec.lot * 2


def create_items(session: Session, world: World, specs: list[ItemSpec]) -> None:
    for spec in specs:
        item = create_item(
            session,
            ItemCreate(
                item_no=spec.item_no,
                name=spec.name,
                base_unit=spec.unit,
                item_group=spec.group,
                batch_managed=spec.batch_managed,
                shelf_life_days=spec.shelf_life_days,
                reorder_point=reorder_point(spec),
                reorder_quantity=spec.lot,
                base_price=spec.price,
                vat_category=spec.vat,
                pack_units=[
                    PackUnitIn(code=p.code, name=p.name, factor=p.factor) for p in spec.packs
                ],
            ),
        )
        world.items[spec.item_no] = item.id
        world.specs[spec.item_no] = spec


def create_recipes(session: Session, world: World) -> int:
    count = 0
    for spec in world.specs.values():
        if not spec.species:
            continue
        create_bom(
            session,
            BomCreate(
                item_id=world.items[spec.item_no],
                name=f"Rezeptur {spec.name}",
                output_quantity=D(10),
                unit="dt",
                lines=[
                    BomLineIn(
                        item_id=world.items[component],
                        quantity=D(kg),
                        unit="kg",
                        loss_percent=D("0.5") if component.startswith("100") else D(0),
                    )
                    for component, kg in catalogue.recipe_for(spec)
                ],
            ),
        )
        count += 1
    return count


# --- partners ---------------------------------------------------------------------------


def create_suppliers(session: Session, world: World, rng: random.Random) -> None:
    for spec in names.SUPPLIERS:
        cash = spec.cash_discount
        supplier = create_supplier(
            session,
            SupplierCreate(
                supplier_no=spec.supplier_no,
                name=spec.name,
                street=spec.street,
                postal_code=spec.postal_code,
                city=spec.city,
                vat_id=vat_id(rng),
                payment_days=spec.payment_days,
                cash_discount_percent=D(cash[0]) if cash else None,
                cash_discount_days=cash[1] if cash else None,
            ),
        )
        for kind in spec.kinds:
            world.suppliers.setdefault(kind, []).append(supplier.id)
    # Farmers who sell their grain to the Landhandel are suppliers too.
    for n in range(4):
        surname = names.SURNAMES[(n * 7 + 3) % len(names.SURNAMES)]
        postal_code, village = names.VILLAGES[n * 2 % len(names.VILLAGES)]
        supplier = create_supplier(
            session,
            SupplierCreate(
                supplier_no=f"{70101 + n}",
                name=f"Ackerbau {surname} GbR (Erzeuger)",
                street=f"{rng.choice(names.STREETS)} {rng.randint(1, 40)}",
                postal_code=postal_code,
                city=village,
                payment_days=14,
            ),
        )
        world.suppliers.setdefault("grain", []).append(supplier.id)


def _prices(
    world: World, factor: Decimal, breaks: list[tuple[Decimal, Decimal]], groups: set[str] | None
) -> list[PriceIn]:
    """A price per item (base price x factor) and its quantity breaks (lots x discount)."""
    prices = []
    for spec in world.specs.values():
        if groups is not None and spec.group not in groups:
            continue
        item_id = world.items[spec.item_no]
        base = spec.price * factor
        prices.append(PriceIn(item_id=item_id, unit_price=base.quantize(D("0.0001"))))
        if spec.storage in (catalogue.SILO, catalogue.FLAT, catalogue.FERTILISER, catalogue.OUTPUT):
            for lots, off in breaks:
                prices.append(
                    PriceIn(
                        item_id=item_id,
                        unit_price=(base * (1 - off)).quantize(D("0.0001")),
                        min_quantity=(spec.lot * lots).quantize(D("0.0001")),
                    )
                )
    return prices


def create_groups_and_prices(session: Session, world: World, today: date) -> dict[str, int]:
    """Customer groups (Landwirte with three sub-groups, Großkunden, Wiederverkäufer), each
    with a price list valid for the demo year, with quantity breaks on bulk goods."""
    start = today - timedelta(days=400)
    season = f"{start.year}/{today.year}"

    def price_list(code: str, name: str, prices: list[PriceIn]) -> int:
        created = create_price_list(
            session, PriceListCreate(code=code, name=name, valid_from=start, prices=prices)
        )
        return created.id

    farmers_list = price_list(
        "PL-LW",
        f"Landwirte {season}",
        _prices(world, D("0.98"), [(D("0.4"), D("0.015")), (D(1), D("0.03"))], None),
    )
    large_list = price_list(
        "PL-GK",
        f"Großkunden {season}",
        _prices(world, D("0.94"), [(D(1), D("0.02")), (D(2), D("0.04"))], None),
    )
    reseller_list = price_list(
        "PL-WV",
        f"Wiederverkäufer {season}",
        _prices(
            world,
            D("0.86"),
            [],
            {"Mineralfutter", "Mischfutter", "Saatgut", "Betriebsbedarf", "Pflanzenschutz"},
        ),
    )
    farmers = create_group(
        session,
        CustomerGroupCreate(
            code="LW",
            name="Landwirte",
            price_list_id=farmers_list,
            credit_limit=D(80_000),
            payment_days=30,
            cash_discount_percent=D(2),
            cash_discount_days=10,
        ),
    )
    groups = {
        "dairy": create_group(
            session,
            CustomerGroupCreate(
                code="LW-MV",
                name="Landwirte - Milchvieh",
                parent_id=farmers.id,
                discount_percent=D(1),
            ),
        ).id,
        "pigs": create_group(
            session,
            CustomerGroupCreate(
                code="LW-SG", name="Landwirte - Schweine und Geflügel", parent_id=farmers.id
            ),
        ).id,
        "arable": create_group(
            session,
            CustomerGroupCreate(
                code="LW-AB",
                name="Landwirte - Ackerbau",
                parent_id=farmers.id,
                payment_days=60,
            ),
        ).id,
        "large": create_group(
            session,
            CustomerGroupCreate(
                code="GK",
                name="Großkunden",
                price_list_id=large_list,
                discount_percent=D(1),
                credit_limit=D(600_000),
                payment_days=14,
            ),
        ).id,
        "reseller": create_group(
            session,
            CustomerGroupCreate(
                code="WV",
                name="Wiederverkäufer",
                price_list_id=reseller_list,
                credit_limit=D(250_000),
                payment_days=30,
                cash_discount_percent=D(3),
                cash_discount_days=8,
            ),
        ).id,
    }
    return groups


def create_customers(
    session: Session,
    world: World,
    scale: Scale,
    groups: dict[str, int],
    rng: random.Random,
    today: date,
) -> None:
    number = 10001
    segments = ["dairy", "pigs", "arable"]
    used: set[str] = set()
    for n in range(scale.farmers):
        segment = segments[n % 3]
        postal_code, village = rng.choice(names.VILLAGES)
        for _ in range(50):
            form = rng.choice(names.FARM_FORMS)
            name = form.format(name=rng.choice(names.SURNAMES), village=village)
            if name not in used:
                break
        else:
            name = f"{name} ({n})"
        used.add(name)
        customer = create_customer(
            session,
            CustomerCreate(
                customer_no=str(number),
                name=name,
                street=f"{rng.choice(names.STREETS)} {rng.randint(1, 60)}",
                postal_code=postal_code,
                city=village,
                group_id=groups[segment],
                vat_id=vat_id(rng) if rng.random() < 0.3 else None,
            ),
        )
        world.customers.append(CustomerRef(customer.id, segment))
        number += 1
    for segment, company_names, count in (
        ("large", names.LARGE_CUSTOMERS, scale.large_customers),
        ("reseller", names.RESELLERS, scale.resellers),
    ):
        for name in company_names[:count]:
            postal_code, village = rng.choice(names.VILLAGES)
            customer = create_customer(
                session,
                CustomerCreate(
                    customer_no=str(number),
                    name=name,
                    street=f"{rng.choice(names.STREETS)} {rng.randint(1, 60)}",
                    postal_code=postal_code,
                    city=village,
                    group_id=groups[segment],
                    vat_id=vat_id(rng),
                ),
            )
            world.customers.append(CustomerRef(customer.id, segment))
            number += 1
    # One large customer has its own contract prices for compound feed.
    large = next((c for c in world.customers if c.segment == "large"), None)
    if large is not None:
        contract = create_price_list(
            session,
            PriceListCreate(
                code="PL-K-KONTRAKT",
                name="Kontraktpreise Mischfutter (Großkunde)",
                valid_from=today - timedelta(days=400),
                prices=_prices(world, D("0.9"), [(D(2), D("0.02"))], {"Mischfutter"}),
            ),
        )
        update_customer(session, large.id, CustomerUpdate(price_list_id=contract.id))


# The demo's own company: everything an invoice and its e-invoice need (made up; the IBAN is
# the standard example IBAN, the VAT id has a valid check digit).
DEMO_COMPANY = CompanyIn(
    legal_name="Raiffeisen-Landhandel Lindenau eG",
    street="Am Lagerhaus 1",
    postal_code="29393",
    city="Lindenau",
    vat_id="DE136695976",
    tax_number="17/123/45678",
    register_court="Amtsgericht Lüneburg",
    register_number="GnR 123",
    managing_directors="Anna Schulte, Bernd Krüger",
    bank_name="Volksbank Lindenau",
    iban="DE89370400440532013000",
    bic="COBADEFFXXX",
    phone="+49 5141 12345",
    email="rechnung@lindenau-landhandel-demo.de",
    website="https://lindenau-landhandel-demo.de",
    datev_consultant_number=1234567,
    datev_client_number=42,
)


def create_company(session: Session) -> None:
    """The demo company, unless the company's own data is entered already (then it stays)."""
    if get_company(session) is None:
        put_company(session, DEMO_COMPANY)


def create_master_data(session: Session, scale: Scale, rng: random.Random, today: date) -> World:
    """Every piece of master data, in dependency order (joins the caller's transaction)."""
    world = World()
    create_company(session)
    create_sites(session, world)
    create_items(session, world, catalogue.items_for(scale.per_group))
    world.recipes = create_recipes(session, world)
    create_suppliers(session, world, rng)
    groups = create_groups_and_prices(session, world, today)
    create_customers(session, world, scale, groups, rng, today)
    return world
