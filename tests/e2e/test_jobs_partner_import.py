"""Customers and suppliers imported through a real worker: row errors, idempotency, partial
updates from an XLSX file with only some columns."""

from __future__ import annotations

import io

from openpyxl import Workbook

from tests.helpers import assert_problem
from tests.jobs_helpers import upload_import, wait_job

HEADER = (
    "customer_no;supplier_no;name;city;vat_id;payment_days;cash_discount_percent;"
    "cash_discount_days;customer_group;credit_limit;blocked\n"
)
GOOD = (
    "K-1;;Hof Meyer;Celle;DE 136 695 976;30;2;10;LW;5000;nein\n"  # row 2
    "K-2;;Gut Rosen;Uelzen;;;;;;;\n"  # row 3: terms inherited from nowhere
    ";L-1;Mühle Nord;Hamburg;;14;;;;;\n"  # row 4: a supplier
)
BAD = (
    "K-3;;Hof Falsch;;DE136695977;;;;;;\n"  # row 5: wrong check digit
    "K-4;;Hof Ohne;;;;;;NOPE;;\n"  # row 6: unknown customer group
    ";L-2;Ölwerk Süd;;;;;;;1000;\n"  # row 7: suppliers have no credit limit
    "K-1;;Doppelt;;;;;;;;\n"  # row 8: repeats row 2
    "K-5;;;Celle;;;;;;;\n"  # row 9: no name
    "K-6;;Hof Skonto;;;10;3;20;;;\n"  # row 10: Skonto days beyond the payment days
    "K-7;L-7;Beides;;;;;;;;\n"  # row 11: customer or supplier, not both
)


def _import(client, manager, content: bytes, filename: str = "partner.csv") -> dict:
    job = upload_import(client, manager, content, filename=filename, type="partners")
    assert job["type"] == "import.partners" and job["queue"] == "imports"
    done = wait_job(client, manager, job["id"])
    assert done["status"] == "succeeded", done
    return done["result"]


def _customers(client, headers) -> dict[str, dict]:
    page = client.get("/api/v1/customers?limit=100", headers=headers).json()
    return {c["customer_no"]: c for c in page["items"]}


def test_partner_import_reports_bad_rows_and_is_idempotent(client, manager, trade, worker):
    group = trade.group(code="LW", name="Landwirte")
    content = (HEADER + GOOD + BAD).encode()
    first = _import(client, manager, content)
    assert (first["rows"], first["created"], first["rejected"]) == (10, 3, 7), first
    errors = {e["row"]: e for e in first["errors"]}
    assert sorted(errors) == [5, 6, 7, 8, 9, 10, 11]
    assert errors[5]["field"] == "vat_id" and "check digit" in errors[5]["message"]
    assert errors[6]["field"] == "customer_group" and "NOPE" in errors[6]["message"]
    assert "credit_limit" in errors[7]["message"]
    assert "repeats row 2" in errors[8]["message"]
    assert errors[9]["field"] == "name"
    assert "cash discount days" in errors[10]["message"]
    assert "not both" in errors[11]["message"] or "either" in errors[11]["message"]

    customers = _customers(client, manager)
    assert sorted(customers) == ["K-1", "K-2"]
    meyer = customers["K-1"]
    assert meyer["vat_id"] == "DE136695976" and meyer["group_id"] == group["id"]
    assert meyer["credit_limit"] == "5000.0000" and meyer["payment_days"] == 30
    assert meyer["cash_discount_percent"] == "2.0000" and meyer["blocked"] is False
    suppliers = client.get("/api/v1/suppliers", headers=manager).json()["items"]
    assert [(s["supplier_no"], s["payment_days"]) for s in suppliers] == [("L-1", 14)]

    again = _import(client, manager, content)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert again["rejected"] == 7
    assert len(_customers(client, manager)) == 2
    assert len(client.get("/api/v1/suppliers", headers=manager).json()["items"]) == 1


def test_an_xlsx_with_some_columns_changes_only_those(client, manager, trade, worker):
    trade.group(code="LW", name="Landwirte")
    _import(client, manager, (HEADER + GOOD).encode())
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Customer No", "Name", "Credit Limit", "Payment Days"])
    sheet.append(["K-1", "Hof Meyer", 7500.5, 45])
    sheet.append(["K-2", "Gut Rosen", None, None])  # as it is: nothing set
    sheet.append([4711, "Neuer Hof", 100, 20])  # a number cell is a customer number
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _import(client, manager, buffer.getvalue(), filename="kunden.xlsx")
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, 1), result
    customers = _customers(client, manager)
    meyer = customers["K-1"]
    assert meyer["credit_limit"] == "7500.5000" and meyer["payment_days"] == 45
    assert meyer["city"] == "Celle" and meyer["vat_id"] == "DE136695976"  # no column: kept
    assert meyer["cash_discount_days"] == 10
    assert customers["4711"]["payment_days"] == 20 and customers["4711"]["credit_limit"] == (
        "100.0000"
    )


def test_a_partner_file_without_a_number_column_is_refused_at_upload(client, manager):
    response = client.post(
        "/api/v1/imports",
        files={"file": ("p.csv", io.BytesIO(b"name;city\nHof;Celle\n"), "text/csv")},
        data={"type": "partners"},
        headers=manager,
    )
    body = assert_problem(response, 422, field="file")
    assert "customer_no" in body["detail"]
    assert client.get("/api/v1/jobs", headers=manager).json()["total"] == 0
