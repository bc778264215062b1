"""The Getreideannahme pages through the test client: German errors at their fields with
the input kept, nothing written on an error, viewers read only, the day's list without N+1,
and the farmer search."""

from __future__ import annotations

import pytest

from tests.grain_support import Harvest


@pytest.fixture
def harvest(stock, trade):
    return Harvest(stock, trade)


def _new_ticket(harvest: Harvest, farmer: dict, **fields: str) -> dict[str, str]:
    return {
        "weighbridge_id": str(harvest.bridge["id"]),
        "supplier_no": farmer["supplier_no"],
        "item_id": str(harvest.wheat["id"]),
        "vehicle_plate": "CE-XY 1",
        "driver": "",
        "gross_kg": "40.000",
        "gross_record_no": "R-1",
        **fields,
    }


def test_unknown_farmer_and_bad_weight_show_at_their_fields_and_write_nothing(web_client, harvest):
    farmer = harvest.farmer()
    web_client.login_as("clerk")
    page = web_client.post(
        "/getreideannahme",
        _new_ticket(harvest, farmer, supplier_no="L-GIBTSNICHT", vehicle_plate="CE-Q 7"),
    )
    assert page.status_code == 422
    unknown = "Keinen Landwirt mit dieser Nummer gefunden."
    assert f'id="e-supplier_no" aria-live="polite">{unknown}' in page.text
    assert 'value="CE-Q 7"' in page.text  # the input is kept
    page = web_client.post("/getreideannahme", _new_ticket(harvest, farmer, gross_kg="-5"))
    assert page.status_code == 422
    assert 'id="e-gross_kg" aria-live="polite">Muss größer als 0 sein.' in page.text
    assert harvest.get("/grain/tickets")["total"] == 0


def test_a_resent_ticket_form_opens_no_second_ticket(web_client, harvest):
    farmer = harvest.farmer()
    web_client.login_as("clerk")
    first = web_client.post("/getreideannahme", _new_ticket(harvest, farmer))
    assert first.status_code == 303
    again = web_client.post("/getreideannahme", _new_ticket(harvest, farmer))
    assert again.status_code == 422
    assert "Diese Wägenummer ist an dieser Waage schon gespeichert." in again.text
    assert harvest.get("/grain/tickets")["total"] == 1


def test_the_steps_after_gross_and_their_errors(web_client, harvest):
    farmer = harvest.farmer()
    web_client.login_as("clerk")
    url = web_client.post("/getreideannahme", _new_ticket(harvest, farmer)).headers["location"]
    tare = web_client.post(url + "/tara", {"tare_kg": "15.000", "tare_record_no": "R-2"})
    assert tare.status_code == 303
    bad = web_client.post(url + "/probe", {"moisture": "101", "foreign_matter": "2"})
    assert bad.status_code == 422
    assert 'id="e-moisture" aria-live="polite">Darf nicht größer als 100 sein.' in bad.text
    assert (
        web_client.post(url + "/probe", {"moisture": "14", "foreign_matter": "1"}).status_code
        == 303
    )
    other_site = harvest.stock.warehouse(code="SUED")
    cell = harvest.stock.location(other_site["id"], code="S1", kind="silo")
    wrong = web_client.post(url + "/annahme", {"location_id": str(cell["id"])})
    assert wrong.status_code == 422 and 'id="e-location_id"' in wrong.text
    taken = web_client.post(url + "/annahme", {"location_id": str(harvest.cells[2]["id"])})
    assert taken.status_code == 303
    page = web_client.get(url)
    assert "angenommen" in page.text and "Wiegeschein drucken" in page.text
    pdf = web_client.get(url + "/wiegeschein.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


def test_viewers_see_the_day_but_no_forms_and_cannot_post(web_client, harvest):
    farmer = harvest.farmer()
    harvest.ticket(farmer)
    web_client.login_as("viewer")
    page = web_client.get("/getreideannahme")
    assert page.status_code == 200
    assert "Wiegescheine heute" in page.text and "Hof Hansen" in page.text
    assert "Wiegeschein anlegen" not in page.text
    assert web_client.post("/getreideannahme", _new_ticket(harvest, farmer)).status_code == 403
    assert web_client.get("/getreideannahme/999999").status_code == 404


def test_farmer_search_offers_matching_farmers(web_client, harvest):
    harvest.farmer(name="Hof Brammer", supplier_no="L-4711")
    harvest.farmer(name="Gut Eichenhof", supplier_no="L-4712")
    web_client.login_as("clerk")
    options = web_client.get("/getreideannahme/landwirte", params={"supplier_no": "bramm"})
    assert 'value="L-4711"' in options.text and "L-4712" not in options.text


def test_the_day_list_runs_as_many_statements_for_many_tickets_as_for_few(
    web_client, harvest, count_statements
):
    farmer = harvest.farmer()
    web_client.login_as("viewer")
    harvest.ticket(farmer)
    web_client.get("/getreideannahme")

    def statements() -> int:
        with count_statements() as counter:
            assert web_client.get("/getreideannahme").status_code == 200
        return counter.count

    few = statements()
    for _ in range(8):
        harvest.load(harvest.farmer(), harvest.cells[0])
    assert statements() == few
