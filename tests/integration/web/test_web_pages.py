"""The pages of Übersicht, Artikel, Lager and Chargen over the real database (no browser):
what they show, the roles, forms with German errors, and statements per list page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.web_support import csrf_of


@pytest.fixture
def goods(stock):
    """A warehouse with a silo (capacity 1000) below a hall, a batch-managed item with
    two batches in stock, and a plain item below its reorder point."""
    warehouse = stock.warehouse(code="NORD", name="Standort Nord")
    hall = stock.location(warehouse["id"], code="H1", name="Halle 1", kind="hall")
    silo = stock.location(
        warehouse["id"],
        code="S1",
        name="Silo 1",
        kind="silo",
        parent_id=hall["id"],
        capacity="1000",
    )
    wheat = stock.item(item_no="WEIZEN", name="Weizen B", batch_managed=True, base_unit="kg")
    feed = stock.item(item_no="MF-1", name="Milchleistungsfutter", reorder_point="500")
    soon = (date.today() + timedelta(days=5)).isoformat()
    later = (date.today() + timedelta(days=60)).isoformat()
    stock.receive(wheat["id"], silo["id"], "400", batch={"batch_no": "W-SOON", "best_before": soon})
    stock.receive(
        wheat["id"], silo["id"], "1250.5", batch={"batch_no": "W-LATER", "best_before": later}
    )
    stock.receive(feed["id"], silo["id"], "100")
    batches = {
        b["batch_no"]: b
        for b in stock.client.get("/api/v1/batches", headers=stock.headers).json()["items"]
    }
    return {
        "warehouse": warehouse,
        "hall": hall,
        "silo": silo,
        "wheat": wheat,
        "feed": feed,
        "soon": batches["W-SOON"],
        "later": batches["W-LATER"],
    }


def test_the_item_list_shows_stock_in_german_numbers(web_client, goods):
    web_client.login_as("viewer")
    page = web_client.get("/artikel")
    assert page.status_code == 200
    assert "WEIZEN" in page.text and "MF-1" in page.text
    assert "1.650,5 kg" in page.text  # 400 + 1250,5


def test_the_item_search_answers_htmx_with_the_list_only(web_client, goods):
    web_client.login_as("viewer")
    page = web_client.get("/artikel?q=weiz", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert "<html" not in page.text
    assert "WEIZEN" in page.text and "MF-1" not in page.text


def test_items_below_their_reorder_point_are_a_filter(web_client, goods):
    web_client.login_as("viewer")
    page = web_client.get("/artikel?unter_meldebestand=1")
    assert "MF-1" in page.text and "WEIZEN" not in page.text


def test_the_item_list_sorts_by_stock(web_client, goods):
    web_client.login_as("viewer")
    text = web_client.get("/artikel?sort=on_hand&dir=desc").text
    assert text.index("WEIZEN") < text.index("MF-1")
    text = web_client.get("/artikel?sort=on_hand&dir=asc").text
    assert text.index("MF-1") < text.index("WEIZEN")


def test_the_item_shows_its_stock_per_location_and_batch(web_client, goods):
    web_client.login_as("viewer")
    page = web_client.get(f"/artikel/{goods['wheat']['id']}")
    assert page.status_code == 200
    assert "W-SOON" in page.text and "W-LATER" in page.text
    assert "1.250,5 kg" in page.text
    assert "Bearbeiten" not in page.text  # a viewer sees no write action


def test_a_manager_creates_an_item_with_german_decimals(web_client, goods):
    web_client.login_as("manager")
    response = web_client.post(
        "/artikel/neu",
        {
            "item_no": "SOJA-44",
            "name": "Sojaschrot 44",
            "base_unit": "kg",
            "reorder_point": "1.500,5",
            "vat_category": "reduced",
            "active": "on",
        },
    )
    assert response.status_code == 303, response.text
    page = web_client.get(response.headers["location"])
    assert "Sojaschrot 44" in page.text
    assert "1.500,5 kg" in page.text


def test_a_taken_item_number_shows_the_german_message_at_its_field(web_client, goods):
    web_client.login_as("manager")
    response = web_client.post(
        "/artikel/neu", {"item_no": "WEIZEN", "name": "Noch ein Weizen", "base_unit": "kg"}
    )
    assert response.status_code == 422
    assert '<p class="error" id="e-item_no" aria-live="polite">Das gibt es schon.</p>' in (
        response.text
    )
    assert 'value="Noch ein Weizen"' in response.text  # the input is kept


def test_a_wrong_number_shows_at_its_field_and_keeps_the_input(web_client, goods):
    web_client.login_as("manager")
    response = web_client.post(
        "/artikel/neu", {"item_no": "X-1", "name": "X", "base_unit": "kg", "reorder_point": "viel"}
    )
    assert response.status_code == 422
    assert 'id="e-reorder_point" aria-live="polite">Bitte eine Zahl eingeben' in response.text
    assert 'value="viel"' in response.text


def test_inline_validation_names_a_taken_number(web_client, goods):
    web_client.login_as("manager")
    token = csrf_of(web_client.get("/artikel/neu").text)
    response = web_client.post(
        "/artikel/pruefen",
        {"item_no": "WEIZEN", "name": ""},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Diese Artikelnummer gibt es schon." in response.text
    assert 'id="e-name" hx-swap-oob="true" aria-live="polite"></p>' in response.text


def test_editing_an_item_clears_an_emptied_field(web_client, goods):
    web_client.login_as("manager")
    item_id = goods["feed"]["id"]
    form = web_client.get(f"/artikel/{item_id}/bearbeiten")
    assert 'value="500"' in form.text
    response = web_client.post(
        f"/artikel/{item_id}/bearbeiten",
        {
            "name": "Milchleistungsfutter 18/4",
            "reorder_point": "",
            "vat_category": "reduced",
            "active": "on",
        },
    )
    assert response.status_code == 303
    assert "MF-1" not in web_client.get("/artikel?unter_meldebestand=1").text
    assert "Milchleistungsfutter 18/4" in web_client.get(f"/artikel/{item_id}").text


def test_a_clerk_may_not_create_items_as_in_the_api(web_client, goods):
    web_client.login_as("clerk")
    assert "Neuer Artikel" not in web_client.get("/artikel").text
    response = web_client.post("/artikel/neu", {"item_no": "X", "name": "X", "base_unit": "kg"})
    assert response.status_code == 403


def test_a_viewers_forged_post_gets_403(web_client, goods):
    web_client.login_as("viewer")
    response = web_client.post(
        f"/chargen/{goods['soon']['id']}/status", {"status": "blocked", "reason": "Probe"}
    )
    assert response.status_code == 403
    assert "Berechtigung" in response.text


def test_blocking_a_batch_records_the_reason_and_shows_on_the_dashboard(web_client, goods):
    web_client.login_as("manager")
    batch_id = goods["later"]["id"]
    response = web_client.post(
        f"/chargen/{batch_id}/status", {"status": "blocked", "reason": "Salmonellen-Verdacht"}
    )
    assert response.status_code == 303
    page = web_client.get(f"/chargen/{batch_id}")
    assert "Salmonellen-Verdacht" in page.text
    assert "gesperrt" in page.text
    tile = web_client.get("/uebersicht/gesperrt")
    assert '<span class="big">1</span> gesperrt' in tile.text


def test_a_block_without_reason_shows_the_message_at_the_reason(web_client, goods):
    web_client.login_as("manager")
    response = web_client.post(
        f"/chargen/{goods['later']['id']}/status", {"status": "blocked", "reason": "x"}
    )
    assert response.status_code == 422
    assert 'id="e-reason" aria-live="polite">Mindestens 3 Zeichen.' in response.text


def test_the_batch_list_filters_by_best_before_window_and_item(web_client, goods):
    web_client.login_as("viewer")
    today = date.today()
    page = web_client.get(
        f"/chargen?mhd_von={today}&mhd_bis={today + timedelta(days=14)}&bestand=1"
    )
    assert "W-SOON" in page.text and "W-LATER" not in page.text
    page = web_client.get("/chargen?artikel=NOPE")
    assert "Artikelnummer NOPE gibt es nicht." in page.text
    assert "W-SOON" not in page.text


def test_the_batch_detail_shows_history_ledger_and_place(web_client, goods):
    web_client.login_as("viewer")
    page = web_client.get(f"/chargen/{goods['soon']['id']}")
    assert page.status_code == 200
    assert "Eingang" in page.text  # the receipt's ledger line
    assert "S1" in page.text  # where it lies
    assert "Sperren" not in page.text


def test_the_dashboard_tiles(web_client, goods):
    web_client.login_as("viewer")
    assert 'hx-get="/uebersicht/mhd"' in web_client.get("/").text
    assert "W-SOON" in web_client.get("/uebersicht/mhd").text
    assert "MF-1" in web_client.get("/uebersicht/nachbestellen").text
    assert "Aufträge" in web_client.get("/uebersicht/auftraege").text
    assert "laufen" in web_client.get("/uebersicht/jobs").text
    health = web_client.get("/uebersicht/dienste")
    assert health.status_code == 200 and "Datenbank" in health.text
    assert web_client.get("/uebersicht/nichts").status_code == 404


def test_the_location_tree_shows_capacity_used(web_client, goods):
    web_client.login_as("viewer")
    tree = web_client.get(f"/lager/{goods['warehouse']['id']}")
    assert "H1" in tree.text and "S1" not in tree.text  # children load when opened
    children = web_client.get(f"/lager/plaetze/{goods['hall']['id']}/unterplaetze")
    assert "S1" in children.text
    assert "1.750,5 / 1.000 (100 %)" in children.text
    assert "Sperren" not in children.text


def test_a_manager_blocks_and_unblocks_a_location(web_client, goods):
    web_client.login_as("manager")
    silo = goods["silo"]["id"]
    response = web_client.post(
        f"/lager/plaetze/{silo}/sperre", {"gesperrt": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "gesperrt" in response.text and "Entsperren" in response.text
    response = web_client.post(f"/lager/plaetze/{silo}/sperre", {"gesperrt": "0"})
    assert response.status_code == 303


def test_an_unknown_batch_is_a_german_404_page(web_client, db):
    web_client.login_as("viewer")
    response = web_client.get("/chargen/987654")
    assert response.status_code == 404
    assert "Nicht gefunden" in response.text
    assert web_client.get("/chargen/abc").status_code == 400


def _receive_batches(stock, item_id: int, location_id: int, count: int, start: int) -> None:
    for n in range(start, start + count):
        stock.receive(item_id, location_id, "10", batch={"batch_no": f"N{n}"})


@pytest.mark.parametrize(
    "url",
    ["/artikel", "/chargen", "/chargen?bestand=1", "/uebersicht/mhd", "/uebersicht/nachbestellen"],
)
def test_list_pages_run_as_many_statements_for_many_rows_as_for_few(
    web_client, stock, goods, count_statements, url
):
    web_client.login_as("viewer")
    web_client.get(url)  # warm up (type caches)

    def statements() -> int:
        with count_statements() as counter:
            assert web_client.get(url).status_code == 200
        return counter.count

    few = statements()
    for n in range(12):
        stock.item(item_no=f"EXTRA-{n}", name="Extra", reorder_point="5", batch_managed=True)
    _receive_batches(stock, goods["wheat"]["id"], goods["silo"]["id"], 12, 0)
    assert statements() == few


def test_the_location_tree_runs_as_many_statements_for_many_nodes(
    web_client, stock, goods, count_statements
):
    web_client.login_as("viewer")
    url = f"/lager/plaetze/{goods['hall']['id']}/unterplaetze"
    web_client.get(url)
    with count_statements() as counter:
        web_client.get(url)
    few = counter.count
    for n in range(10):
        stock.location(
            goods["warehouse"]["id"],
            code=f"B{n}",
            name="Box",
            parent_id=goods["hall"]["id"],
            capacity="5",
        )
    with count_statements() as counter:
        web_client.get(url)
    assert counter.count == few


def test_the_orders_tile_counts_placed_purchase_orders_only(web_client, trade, goods):
    supplier = trade.supplier()
    line = {"item_id": goods["feed"]["id"], "quantity": "1000", "unit_price": "0.40"}
    trade.purchase_order(supplier["id"], line)
    trade.purchase_order(supplier["id"], line, place=False)  # a draft is not open yet
    web_client.login_as("viewer")
    tile = web_client.get("/uebersicht/auftraege").text
    assert '<span class="big">1</span> Bestellungen' in tile
    assert '<span class="big">0</span> Aufträge' in tile


def test_no_demo_button_without_the_demo_job_type(web_client, db):
    from landkontor.jobs import registry

    web_client.login_as("admin")
    page = web_client.get("/").text
    assert ("Demodaten laden" in page) == registry.is_registered("demo.load")


def test_a_manager_adds_a_pack_unit_and_a_repeated_code_shows_at_its_field(web_client, goods):
    web_client.login_as("manager")
    url = f"/artikel/{goods['feed']['id']}/gebinde"
    response = web_client.post(url, {"code": "Sack", "name": "Sack 25 kg", "factor": "25"})
    assert response.status_code == 303
    page = web_client.get(f"/artikel/{goods['feed']['id']}")
    assert "Sack 25 kg" in page.text and "25 kg" in page.text
    response = web_client.post(url, {"code": "Sack", "name": "Sack 30 kg", "factor": "30"})
    assert response.status_code == 422
    assert '<p class="error" id="e-code" aria-live="polite">Der Wert ist ungültig.' in (
        response.text
    )
    assert 'value="Sack 30 kg"' in response.text
