"""Sales reaches the documents of an issued invoice only through its hook."""

import pytest

from landkontor.documents.issue import register_invoice_documents, store_documents
from landkontor.sales import invoice_documents


def test_issuing_without_a_registered_renderer_fails_instead_of_committing(monkeypatch):
    monkeypatch.setattr(invoice_documents, "_registered", {})
    with pytest.raises(RuntimeError, match="register_invoice_documents"):
        invoice_documents.store_documents(None, None)  # type: ignore[arg-type]


def test_documents_register_their_renderer(monkeypatch):
    monkeypatch.setattr(invoice_documents, "_registered", {})
    register_invoice_documents()
    register_invoice_documents()  # idempotent
    assert invoice_documents._registered == {"store": store_documents}
