"""The API cannot accept more than the database stores.

For every request model, each field that is written to a column (same name in the model's
table, or the explicit mapping below where the names differ) is checked against that column:
a String column's length bounds the field's ``maxLength``, text refuses NUL, a NUMERIC column's
largest value and scale bound the decimals, a BIGINT key bounds the ids. The OpenAPI schema
shows the bounds of every path and query parameter. No database needed: the metadata is the
columns' declaration.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from decimal import Decimal
from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import BigInteger, Enum, Integer, Numeric, String, Text

import landkontor
from landkontor.common.bounds import ID_MAX, numeric_max
from landkontor.common.schemas import InputModel
from landkontor.db.base import Base

for _module in pkgutil.walk_packages(landkontor.__path__, "landkontor."):
    if ".migrations" not in _module.name and ".cli" not in _module.name:
        importlib.import_module(_module.name)

# Which table each request model writes (None: it writes nothing, it only selects or steers).
MODEL_TABLES: dict[str, str | None] = {
    "UserCreate": "users",
    "UserUpdate": "users",
    "PasswordChange": None,
    "UnitCreate": "units",
    "ItemCreate": "items",
    "ItemUpdate": "items",
    "PackUnitIn": "item_units",
    "WarehouseCreate": "warehouses",
    "WarehouseUpdate": "warehouses",
    "LocationCreate": "locations",
    "LocationUpdate": "locations",
    "BatchCreate": "batches",
    "BatchUpdate": "batches",
    "NewBatch": "batches",
    "ReceiptBatchIn": "batches",
    "BatchStatusIn": "batch_status_changes",
    "RecallIn": "batch_status_changes",
    "MovementIn": "stock_movements",
    "ReverseIn": "stock_movements",
    "MovementLineIn": "stock_ledger",
    "MixIn": "stock_mixes",
    "MixInput": "stock_ledger",
    "MixOutput": "stock_ledger",
    "OpeningStockIn": "stock_ledger",
    "StocktakeCreate": "stocktakes",
    "CountsIn": None,
    "CountIn": "stocktake_lines",
    "JobSubmit": "jobs",
    "PaymentTermsIn": "customers",
    "PaymentTermsUpdate": "customers",
    "AddressIn": "customers",
    "PartnerCreate": "customers",
    "PartnerUpdate": "customers",
    "CustomerCreate": "customers",
    "CustomerUpdate": "customers",
    "PartnerImportRow": "customers",
    "SupplierCreate": "suppliers",
    "SupplierUpdate": "suppliers",
    "CustomerGroupCreate": "customer_groups",
    "CustomerGroupUpdate": "customer_groups",
    "PriceListCreate": "price_lists",
    "PriceListUpdate": "price_lists",
    "PriceIn": "price_list_entries",
    "TaxRateIn": "tax_rates",
    "BomCreate": "boms",
    "BomUpdate": "boms",
    "BomLineIn": "bom_lines",
    "OrderCreate": "production_orders",
    "ReleaseIn": None,
    "ConsumptionIn": None,
    "ConsumptionLineIn": "stock_ledger",
    "OutputIn": "production_order_outputs",
    "CancelIn": "production_orders",
    "PurchaseOrderCreate": "purchase_orders",
    "PurchaseOrderLineIn": "purchase_order_lines",
    "GoodsReceiptCreate": "goods_receipts",
    "ReceiptLineIn": "goods_receipt_lines",
    "SalesOrderCreate": "sales_orders",
    "SalesOrderLineIn": "sales_order_lines",
    "DeliveryCreate": "deliveries",
    "DeliveryLineIn": "delivery_lines",
    "InvoiceCreate": None,
    "CreditNoteCreate": "invoices",
    "CreditNoteLineIn": "invoice_lines",
    "PaymentIn": None,
    "NewTicketForm": "grain_tickets",
    "TareForm": "grain_weighings",
    "WeighbridgeIn": "grain_weighbridges",
    "FarmerIn": "grain_farmers",
    "FlatRateVatIn": "grain_flat_rate_vat",
    "QualityClassIn": None,  # the terms' classes (a JSON column); checked via RENAMED
    "QualityTermsIn": "grain_quality_terms",
    "DayPriceIn": "grain_day_prices",
    "WeighingIn": "grain_weighings",
    "WeighingPush": "grain_weighings",
    "TicketCreate": "grain_tickets",
    "CorrectionIn": "grain_tickets",
    "AnalysisIn": "grain_analyses",
    "IntakeIn": "grain_tickets",
    "CellTransferIn": None,
    "ContractCreate": "grain_contracts",
    "FixingIn": "grain_price_fixings",
    "AllocationIn": None,
    "AllocationPartIn": "grain_allocations",
    "SettlementCreate": "grain_settlements",
    "CompanyIn": "company",
    "InvoiceRecipientIn": "customers",
    "SendRequest": None,
    "ExtraCount": "stocktake_lines",
    "MovementForm": "stock_ledger",
    "PriceForm": "price_list_entries",
    "PurchaseOrderForm": "purchase_orders",
    "PurchaseLineForm": "purchase_order_lines",
    "ReceiptRowForm": "batches",
    "ReceiptHeadForm": "goods_receipts",
    "OrderForm": "production_orders",
    "BomForm": "boms",
    "BomLineForm": "bom_lines",
    "NewOrderForm": "sales_orders",
    "OrderLineForm": "sales_order_lines",
}

# Fields stored under another name (or in another table than their model's).
RENAMED: dict[tuple[str, str], str] = {
    ("NewTicketForm", "supplier_no"): "suppliers.supplier_no",
    ("NewTicketForm", "gross_kg"): "grain_weighings.weight_kg",
    ("NewTicketForm", "gross_record_no"): "grain_weighings.record_no",
    ("TareForm", "tare_kg"): "grain_weighings.weight_kg",
    ("TareForm", "tare_record_no"): "grain_weighings.record_no",
    ("MovementLineIn", "unit"): "stock_ledger.entered_unit",
    ("MixInput", "unit"): "stock_ledger.entered_unit",
    ("OpeningStockIn", "unit"): "stock_ledger.entered_unit",
    ("OpeningStockIn", "batch_no"): "batches.batch_no",
    ("ConsumptionLineIn", "unit"): "stock_ledger.entered_unit",
    ("CountIn", "unit"): "stock_ledger.entered_unit",
    ("PurchaseOrderLineIn", "unit"): "purchase_order_lines.entered_unit",
    ("SalesOrderLineIn", "unit"): "sales_order_lines.entered_unit",
    ("ReceiptLineIn", "unit"): "stock_ledger.entered_unit",
    ("DeliveryLineIn", "unit"): "stock_ledger.entered_unit",
    ("OrderCreate", "quantity"): "production_orders.planned_quantity",
    ("OrderCreate", "unit"): "stock_ledger.entered_unit",
    ("BomCreate", "unit"): "stock_ledger.entered_unit",
    ("BomLineIn", "unit"): "stock_ledger.entered_unit",
    ("OutputIn", "unit"): "stock_ledger.entered_unit",
    ("OutputIn", "batch_no"): "batches.batch_no",
    ("CancelIn", "reason"): "production_orders.cancel_reason",
    ("ReverseIn", "reason"): "stock_movements.reason",
    ("PartnerImportRow", "supplier_no"): "suppliers.supplier_no",
    ("GoodsReceiptCreate", "delivery_note_no"): "goods_receipts.delivery_note_no",
    ("CountIn", "counted_quantity"): "stocktake_lines.counted_quantity",
    ("MixOutput", "quantity"): "stock_ledger.quantity",
    ("QualityClassIn", "code"): "grain_tickets.quality_class",
    ("QualityClassIn", "min_hectolitre_weight"): "grain_analyses.hectolitre_weight",
    ("QualityClassIn", "min_protein"): "grain_analyses.protein",
    ("QualityClassIn", "max_broken_grain"): "grain_analyses.broken_grain",
    ("QualityClassIn", "premium_per_t"): "grain_tickets.quality_premium_per_t",
    ("CorrectionIn", "reason"): "grain_tickets.note",
    ("CellTransferIn", "from_location_id"): "stock_ledger.location_id",
    ("CellTransferIn", "to_location_id"): "stock_ledger.location_id",
    ("CellTransferIn", "quantity_kg"): "stock_ledger.quantity",
    ("CellTransferIn", "reason"): "stock_movements.reason",
    ("ExtraCount", "item_no"): "items.item_no",
    ("ExtraCount", "batch_no"): "batches.batch_no",
    ("MovementForm", "item_no"): "items.item_no",
    ("MovementForm", "unit"): "stock_ledger.entered_unit",
    ("MovementForm", "batch_no"): "batches.batch_no",
    ("MovementForm", "best_before"): "batches.best_before",
    ("MovementForm", "to_location_id"): "stock_ledger.location_id",
    ("MovementForm", "reference"): "stock_movements.reference",
    ("MovementForm", "reason"): "stock_movements.reason",
    ("PriceForm", "item_no"): "items.item_no",
    ("PurchaseOrderForm", "supplier_no"): "suppliers.supplier_no",
    ("PurchaseLineForm", "item_no"): "items.item_no",
    ("PurchaseLineForm", "unit"): "purchase_order_lines.entered_unit",
    ("ReceiptRowForm", "quantity"): "goods_receipt_lines.quantity",
    ("ReceiptHeadForm", "location_id"): "goods_receipt_lines.location_id",
    ("OrderForm", "item_no"): "items.item_no",
    ("OrderForm", "quantity"): "production_orders.planned_quantity",
    ("OrderForm", "unit"): "stock_ledger.entered_unit",
    ("BomForm", "item_no"): "items.item_no",
    ("BomForm", "unit"): "stock_ledger.entered_unit",
    ("BomLineForm", "item_no"): "items.item_no",
    ("NewOrderForm", "customer_no"): "customers.customer_no",
    ("OrderLineForm", "item_no"): "items.item_no",
    ("OrderLineForm", "unit"): "sales_order_lines.entered_unit",
}

# Fields that take a formatted value (IBAN and BIC in groups with blanks) and store its
# checked compact form, which fits the column: their input may be longer than the column.
COMPACTED: set[tuple[str, str]] = {("CompanyIn", "iban"), ("CompanyIn", "bic")}

TEXT_MAX = 100_000  # a TEXT column has no length; the API still bounds what it takes


def _request_models() -> list[type[InputModel]]:
    found, todo = set(), [InputModel]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found and sub.__module__.startswith("landkontor."):
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda m: m.__name__)


def _adapter(model: type[InputModel], field: str) -> TypeAdapter:
    info = model.model_fields[field]
    annotation = info.annotation
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    return TypeAdapter(annotation)


def _accepts(adapter: TypeAdapter, value: Any) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def _written_fields():
    for model in _request_models():
        if model.__name__.endswith("Params"):
            continue  # job parameters select what a job reads; they are not stored
        table_name = MODEL_TABLES[model.__name__]
        for field in model.model_fields:
            target = RENAMED.get((model.__name__, field))
            if target is None and table_name is not None:
                target = f"{table_name}.{field}"
            if target is None:
                continue
            table, column = target.split(".")
            if column in Base.metadata.tables[table].c:
                yield model, field, Base.metadata.tables[table].c[column]


WRITTEN = list(_written_fields())


def test_every_request_model_says_which_table_it_writes():
    unmapped = [
        m.__name__
        for m in _request_models()
        if not m.__name__.endswith("Params") and m.__name__ not in MODEL_TABLES
    ]
    assert unmapped == [], "add these request models to MODEL_TABLES"


def test_the_renamed_fields_exist():
    names = {m.__name__: m for m in _request_models()}
    for (model, field), target in RENAMED.items():
        table, column = target.split(".")
        assert field in names[model].model_fields, (model, field)
        assert column in Base.metadata.tables[table].c, target


def test_the_check_covers_the_columns_the_issue_named():
    covered = {(m.__name__, f) for m, f, _ in WRITTEN}
    for pair in [
        ("WarehouseCreate", "code"),
        ("UnitCreate", "name"),
        ("UnitCreate", "factor"),
        ("ItemCreate", "reorder_point"),
        ("ItemCreate", "reorder_quantity"),
        ("LocationCreate", "capacity"),
        ("MovementLineIn", "unit_cost"),
        ("MovementIn", "reference"),
        ("OrderCreate", "conversion_cost"),
        ("UserCreate", "full_name"),
        ("PurchaseOrderCreate", "supplier_id"),
    ]:
        assert pair in covered, pair
    assert len(WRITTEN) > 150


@pytest.mark.parametrize(
    ("model", "field", "column"), WRITTEN, ids=[f"{m.__name__}.{f}" for m, f, _ in WRITTEN]
)
def test_the_api_accepts_no_more_than_the_column_stores(model, field, column):
    adapter = _adapter(model, field)
    kind = column.type
    if isinstance(kind, Enum):
        assert all(len(value) <= kind.length for value in kind.enums), kind.enums
        assert not _accepts(adapter, "no-such-" + field)
        return
    if isinstance(kind, String) and not isinstance(kind, Text) and kind.length:
        schema = model.model_json_schema()["properties"][field]
        lengths = [s.get("maxLength") for s in schema.get("anyOf", [schema]) if s.get("type")]
        lengths = [n for n in lengths if n is not None]
        if (model.__name__, field) not in COMPACTED:
            assert lengths and max(lengths) <= kind.length, (schema, kind.length)
        assert not _accepts(adapter, "A" * (kind.length + 1))
    if isinstance(kind, String | Text):
        assert not _accepts(adapter, "AB\x00CD"), "NUL must be refused"
        assert not _accepts(adapter, "A" * (TEXT_MAX + 1))
    elif isinstance(kind, Numeric) and not isinstance(kind, Integer):
        largest = numeric_max(kind.precision, kind.scale)
        step = Decimal(10) ** -kind.scale
        assert not _accepts(adapter, str(largest + step)), "beyond the column's range"
        assert not _accepts(adapter, str(-largest - step)), "beyond the column's range"
        assert not _accepts(adapter, f"1.{'0' * kind.scale}1"), "more decimals than stored"
        assert not _accepts(adapter, "1e30")
    elif isinstance(kind, Integer):
        bits = 63 if isinstance(kind, BigInteger) else 31  # BIGINT or INTEGER
        assert not _accepts(adapter, 2**bits)
        assert not _accepts(adapter, -(2**bits) - 1)
        if column.foreign_keys:
            assert not _accepts(adapter, 0), "ids start at 1"
            assert _accepts(adapter, ID_MAX)


ANY_CONTROL = "a\x00b"


@pytest.fixture(scope="module")
def openapi():
    from landkontor.api.app import create_app
    from landkontor.db.session import Database

    return create_app(database=Database("sqlite://")).openapi()


def _parameters(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("path", "query"):
                    yield f"{method.upper()} {path} {parameter['name']}", parameter["schema"]


def _branches(schema):
    return [s for s in schema.get("anyOf", [schema]) if s.get("type") not in (None, "null")]


def test_every_id_parameter_is_bounded_to_bigint(openapi):
    seen = 0
    for where, schema in _parameters(openapi):
        if not where.endswith("_id") and not where.endswith(" within"):
            continue
        for branch in _branches(schema):
            if branch["type"] == "integer":
                seen += 1
                assert branch.get("minimum") == 1, where
                assert branch.get("maximum") == ID_MAX, where
    assert seen > 60


def test_offsets_and_limits_are_bounded(openapi):
    for where, schema in _parameters(openapi):
        if where.endswith((" offset", " limit")):
            assert schema.get("maximum") is not None and schema["maximum"] <= ID_MAX, where
            assert schema.get("minimum") is not None, where


def test_every_text_parameter_has_a_length_and_refuses_control_characters(openapi):
    for where, schema in _parameters(openapi):
        branches = _branches(schema)
        if any(b["type"] == "number" for b in branches):
            continue  # a decimal: a number, or a string pydantic reads as one (bounded alike)
        for branch in branches:
            if branch["type"] == "string" and "format" not in branch and "enum" not in branch:
                assert branch.get("maxLength"), where
                assert branch.get("pattern"), where
                assert re.search(branch["pattern"], ANY_CONTROL) is None, where
