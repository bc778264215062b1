"""Produktion over the real database (no browser): recipes, planning with errors at their
fields, release with the material check, consumption from the FEFO proposal as changed,
output numbered by the pattern, completion, planned against actual; a step sent twice
posts once; roles, CSRF and statements per page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from landkontor.inventory.models import StockMovement
from landkontor.production.models import BillOfMaterials, ProductionOrder
from tests.mill import build_mill, produce


@pytest.fixture
def mill(stock, trade):
    return build_mill(stock, trade)


def _count(session, model) -> int:
    try:
        return session.scalar(select(func.count()).select_from(model))
    finally:
        session.rollback()


def _token(html: str) -> str:
    found = re.search(r'name="stand" value="([0-9a-f]+)"', html)
    assert found, "the step form has no progress token"
    return found.group(1)


def _plan(web_client, mill, item_no="VORMISCHUNG", quantity="200") -> str:
    response = web_client.post(
        "/produktion/neu",
        {
            "item_no": item_no,
            "quantity": quantity,
            "warehouse_id": str(mill["wh"]["id"]),
            "output_location_id": str(mill["done"]["id"]),
            "conversion_cost": "12,50",
        },
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_planning_shows_errors_at_their_fields_and_keeps_the_input(web_client, mill, session):
    web_client.login_as("clerk")
    assert "Auftrag planen" in web_client.get("/produktion/neu").text
    before = _count(session, ProductionOrder)
    bad = web_client.post(
        "/produktion/neu",
        {"item_no": "GIBTS-NICHT", "quantity": "zwei", "warehouse_id": str(mill["wh"]["id"])},
    )
    assert bad.status_code == 422
    assert re.search(r'id="e-quantity"[^>]*>Bitte eine Zahl eingeben', bad.text)
    assert 'value="zwei"' in bad.text and 'value="GIBTS-NICHT"' in bad.text
    unknown = web_client.post(
        "/produktion/neu",
        {"item_no": "GIBTS-NICHT", "quantity": "2", "warehouse_id": str(mill["wh"]["id"])},
    )
    assert re.search(r'id="e-item_no"[^>]*>Diese Artikelnummer gibt es nicht', unknown.text)
    no_recipe = web_client.post(
        "/produktion/neu",
        {"item_no": "GERSTE", "quantity": "2", "warehouse_id": str(mill["wh"]["id"])},
    )
    assert no_recipe.status_code == 422
    assert re.search(
        r'id="e-item_no"[^>]*>Für diesen Artikel gibt es keine gültige', no_recipe.text
    )
    assert _count(session, ProductionOrder) == before


def test_an_order_from_plan_to_completion_with_planned_against_actual(web_client, mill, stock):
    web_client.login_as("clerk")
    url = _plan(web_client, mill)
    page = web_client.get(url).text
    assert "geplant" in page and "Alle Komponenten sind verfügbar" in page
    assert re.search(r"SOJA Sojaschrot</td>\s*<td class=\"num\">160 kg", page)
    released = web_client.post(url + "/freigeben", {"stand": _token(page)})
    assert released.status_code == 303
    page = web_client.get(url).text
    assert "freigegeben" in page and "Material entnehmen" in page
    # The proposal: all 160 kg soy from S-1, 40 kg minerals from M-1; take 150 kg soy only.
    quantities = dict(re.findall(r'name="(qty-\d+)" value="([^"]*)"', page))
    assert sorted(quantities.values()) == ["160", "40"]
    soy_field = next(k for k, v in quantities.items() if v == "160")
    consumed = web_client.post(
        url + "/entnehmen",
        {
            "stand": _token(page),
            "line_item_id": re.findall(r'name="line_item_id" value="(\d+)"', page),
            "line_batch_id": re.findall(r'name="line_batch_id" value="(\d*)"', page),
            "line_location_id": re.findall(r'name="line_location_id" value="(\d+)"', page),
            **quantities,
            soy_field: "150",
        },
    )
    assert consumed.status_code == 303, consumed.text
    page = web_client.get(url).text
    assert "in Arbeit" in page
    assert re.search(
        r"SOJA Sojaschrot</td>\s*<td class=\"num\">160 kg</td>\s*"
        r"<td class=\"num\">150 kg</td>\s*<td class=\"num\">-10 kg",
        page,
    )
    output = web_client.post(
        url + "/ausbringung",
        {"stand": _token(page), "quantity": "190", "complete": "on"},
    )
    assert output.status_code == 303, output.text
    page = web_client.get(url).text
    assert "abgeschlossen" in page
    # The batch number follows the configured pattern: {date:%Y%m%d}-{item_no}-{seq:02d}.
    assert re.search(r"\d{8}-VORMISCHUNG-01</a>", page)
    # Actual material: 150 kg soy at 0,45 + 40 kg minerals at 1,10 = 111,50 €; plus 12,50 €.
    assert "111,50 €" in page and "124,00 €" in page


def test_a_step_sent_twice_posts_once(web_client, mill, session):
    web_client.login_as("clerk")
    url = _plan(web_client, mill)
    token = _token(web_client.get(url).text)
    assert web_client.post(url + "/freigeben", {"stand": token}).status_code == 303
    again = web_client.post(url + "/freigeben", {"stand": token})
    assert again.status_code == 409 and "inzwischen gebucht oder geändert" in again.text
    page = web_client.get(url).text
    token = _token(page)
    before = _count(session, StockMovement)
    first = web_client.post(url + "/entnehmen", {"stand": token, "alles": "ja"})
    second = web_client.post(url + "/entnehmen", {"stand": token, "alles": "ja"})
    assert first.status_code == 303 and second.status_code == 409
    assert _count(session, StockMovement) == before + 1


def test_release_refused_for_shortage_lists_it_and_may_be_forced(web_client, mill, session):
    web_client.login_as("clerk")
    url = _plan(web_client, mill, quantity="1000")  # 800 kg soy needed, 500 kg there
    page = web_client.get(url).text
    assert re.search(
        r"SOJA Sojaschrot</td><td class=\"num\">800 kg</td>"
        r"<td class=\"num\">500 kg</td><td class=\"num\">300 kg",
        page,
    )
    refused = web_client.post(url + "/freigeben", {"stand": _token(page)})
    assert refused.status_code == 409 and "Nicht genug Material." in refused.text
    forced = web_client.post(url + "/freigeben", {"stand": _token(page), "trotzdem": "ja"})
    assert forced.status_code == 303
    assert "freigegeben" in web_client.get(url).text


def test_a_bad_output_quantity_is_shown_at_its_field(web_client, mill):
    web_client.login_as("clerk")
    url = _plan(web_client, mill)
    web_client.post(url + "/freigeben", {"stand": _token(web_client.get(url).text)})
    page = web_client.get(url).text
    bad = web_client.post(url + "/ausbringung", {"stand": _token(page), "quantity": "-5"})
    assert bad.status_code == 422
    assert re.search(r'id="e-quantity"[^>]*>Muss größer als 0 sein', bad.text)
    assert 'value="-5"' in bad.text


def test_recipes_new_version_and_errors_at_the_component_row(web_client, mill, session):
    web_client.login_as("manager")
    listing = web_client.get("/produktion/rezepturen").text
    assert "Vormischung Standard" in listing and "MLF 18/4" in listing
    copy = web_client.get(f"/produktion/rezepturen/neu?von={mill['premix_bom']['id']}").text
    assert 'value="SOJA"' in copy and 'value="80"' in copy
    before = _count(session, BillOfMaterials)
    bad = web_client.post(
        "/produktion/rezepturen/neu",
        {
            "item_no": "VORMISCHUNG",
            "output_quantity": "100",
            "is_default": "on",
            "item_no-0": "SOJA",
            "quantity-0": "75",
            "item_no-1": "NIX",
            "quantity-1": "25",
            "item_no-2": "",
            "quantity-2": "",
        },
    )
    assert bad.status_code == 422
    assert re.search(r'id="e-item_no-1"[^>]*>Diese Artikelnummer gibt es nicht', bad.text)
    assert 'value="75"' in bad.text
    cycle = web_client.post(
        "/produktion/rezepturen/neu",
        {
            "item_no": "VORMISCHUNG",
            "output_quantity": "100",
            "item_no-0": "VORMISCHUNG",
            "quantity-0": "5",
        },
    )
    assert cycle.status_code == 422 and 'id="e-item_no-0"' in cycle.text
    assert _count(session, BillOfMaterials) == before
    made = web_client.post(
        "/produktion/rezepturen/neu",
        {
            "item_no": "VORMISCHUNG",
            "output_quantity": "100",
            "is_default": "on",
            "item_no-0": "SOJA",
            "quantity-0": "75",
            "item_no-1": "MINERAL",
            "quantity-1": "25",
            "loss-1": "2,5",
        },
    )
    assert made.status_code == 303, made.text
    detail = web_client.get(made.headers["location"]).text
    assert "Version 2" in detail and "Standard" in detail and "2,5 %" in detail


def test_recipes_are_written_by_managers_only(web_client, mill):
    web_client.login_as("clerk")
    assert "Neue Rezeptur" not in web_client.get("/produktion/rezepturen").text
    assert web_client.get("/produktion/rezepturen/neu").status_code == 403
    refused = web_client.post(
        "/produktion/rezepturen/neu", {"item_no": "SOJA", "output_quantity": "1"}
    )
    assert refused.status_code == 403


def test_viewers_see_no_step_buttons_and_may_not_post(web_client, mill, stock, session):
    order = stock.post(
        "/api/v1/production-orders",
        {"item_id": mill["premix"]["id"], "quantity": 100, "warehouse_id": mill["wh"]["id"]},
    )
    web_client.login_as("viewer")
    page = web_client.get(f"/produktion/{order['id']}").text
    assert "Freigeben" not in page and "Auftrag planen" not in web_client.get("/produktion").text
    refused = web_client.post(f"/produktion/{order['id']}/freigeben", {"stand": "x"})
    assert refused.status_code == 403


def test_a_step_without_the_csrf_token_is_refused(web_client, mill, stock):
    order = stock.post(
        "/api/v1/production-orders",
        {"item_id": mill["premix"]["id"], "quantity": 100, "warehouse_id": mill["wh"]["id"]},
    )
    web_client.login_as("clerk")
    page = web_client.get(f"/produktion/{order['id']}").text
    refused = web_client.post(
        f"/produktion/{order['id']}/freigeben", {"stand": _token(page)}, csrf=False
    )
    assert refused.status_code == 403
    assert "geplant" in web_client.get(f"/produktion/{order['id']}").text


def test_the_order_list_filters_by_status(web_client, mill, stock):
    produce(stock, mill, "premix", 100, "VM-1")
    stock.post(
        "/api/v1/production-orders",
        {"item_id": mill["feed"]["id"], "quantity": 500, "warehouse_id": mill["wh"]["id"]},
    )
    web_client.login_as("viewer")
    everything = web_client.get("/produktion").text
    assert "VORMISCHUNG" in everything and "MF-RIND" in everything
    done = web_client.get("/produktion?status=completed", headers={"HX-Request": "true"}).text
    assert "<h1>" not in done and "VORMISCHUNG" in done and "MF-RIND" not in done


@pytest.mark.parametrize("url", ["/produktion", "/produktion/rezepturen"])
def test_production_lists_run_as_many_statements_for_many_rows_as_for_few(
    web_client, mill, stock, count_statements, url
):
    web_client.login_as("viewer")
    stock.post(
        "/api/v1/production-orders",
        {"item_id": mill["feed"]["id"], "quantity": 99, "warehouse_id": mill["wh"]["id"]},
    )

    def statements() -> int:
        with count_statements() as counter:
            assert web_client.get(url).status_code == 200
        return counter.count

    few = statements()
    for n in range(6):
        stock.post(
            "/api/v1/production-orders",
            {"item_id": mill["feed"]["id"], "quantity": 100 + n, "warehouse_id": mill["wh"]["id"]},
        )
        stock.post(
            "/api/v1/boms",
            {
                "item_id": mill["premix"]["id"],
                "output_quantity": 100,
                "is_default": False,
                "lines": [{"item_id": mill["soy"]["id"], "quantity": 100}],
            },
        )
    assert statements() == few
