"""Business documents: PDFs (DIN 5008 letters), e-invoices (XRechnung, ZUGFeRD), sending by
e-mail, the document ZIP export and the DATEV export.

This package sits above the business domains: it reads sales, purchasing, production and
the company, and no domain imports it at module level. The one call from below is the
invoice-issue step in ``sales/invoicing.py``, which imports ``documents.issue.store_documents``
inside the function — the rendering must happen in the issuing transaction (an invoice without
its documents must never be committed), and a lazy import keeps the module graph free of a
cycle: documents → sales at import time, sales → documents only at call time, through that
one narrow function.
"""
