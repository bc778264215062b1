"""Business documents: PDFs (DIN 5008 letters), e-invoices (XRechnung, ZUGFeRD), sending by
e-mail, the document ZIP export and the DATEV export.

This package sits above the business domains: it reads sales, purchasing, production and
the company, and no domain imports it. Issuing an invoice or credit note must render and
store its documents in the issuing transaction (an invoice without its documents must never
be committed): sales calls its hook ``sales.invoice_documents``, and
``documents.issue.register_invoice_documents`` registers the renderer there when a process
starts — the API app, the job worker (``landkontor.job_types``), the demo loader.
"""
