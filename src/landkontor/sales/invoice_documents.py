"""The documents of an issued invoice or credit note, through a hook: sales decides when an
invoice is issued; documents, a layer above sales, knows how to render it.

Issuing renders the PDF, the ZUGFeRD PDF/A-3 and the XRechnung once and stores them in the
issuing transaction — an invoice without its documents must never be committed. Sales may
not import documents, so documents registers its renderer here when a process starts
(``landkontor.documents.issue.register_invoice_documents``: the API app, the job worker
through ``landkontor.job_types``, the demo loader, and scripts that issue invoices).
Issuing with nothing registered raises, and the issue is rolled back.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from landkontor.sales.models import Invoice


class StoreDocuments(Protocol):
    def __call__(self, session: Session, invoice: Invoice, /) -> object:
        """Render the documents of ``invoice`` and store them in ``session``'s transaction."""


_registered: dict[str, StoreDocuments] = {}


def register(store: StoreDocuments) -> None:
    """Use ``store`` for the documents of every invoice and credit note issued from now on."""
    _registered["store"] = store


def store_documents(session: Session, invoice: Invoice) -> None:
    """Render and store the documents of a just issued ``invoice`` in this transaction."""
    store = _registered.get("store")
    if store is None:
        raise RuntimeError(
            "no renderer for invoice documents is registered: call "
            "landkontor.documents.issue.register_invoice_documents() at start-up"
        )
    store(session, invoice)
