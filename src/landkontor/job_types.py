"""Imports every domain's job types so that the registry knows them (workers, API).

The job engine reaches business domains only through this module. A domain with job types
adds its ``jobs`` module here. Importing it also registers what the domains need of the
layers above them in a worker: the documents of issued invoices (``sales.invoice_documents``).
"""

from landkontor.catalog import jobs as catalog_jobs
from landkontor.demo import jobs as demo_jobs
from landkontor.documents import jobs as documents_jobs
from landkontor.documents.issue import register_invoice_documents
from landkontor.inventory import jobs as inventory_jobs
from landkontor.jobs import builtin as builtin_jobs
from landkontor.partners import jobs as partners_jobs
from landkontor.production import jobs as production_jobs
from landkontor.purchasing import jobs as purchasing_jobs

register_invoice_documents()

__all__ = [
    "builtin_jobs",
    "catalog_jobs",
    "demo_jobs",
    "documents_jobs",
    "inventory_jobs",
    "partners_jobs",
    "production_jobs",
    "purchasing_jobs",
]
