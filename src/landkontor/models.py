"""Imports every domain's ORM models so that Base.metadata knows all tables (Alembic, tests)."""

from landkontor.auth import models as auth_models
from landkontor.catalog import models as catalog_models
from landkontor.company import models as company_models
from landkontor.documents import models as documents_models
from landkontor.grain import models as grain_models
from landkontor.inventory import models as inventory_models
from landkontor.jobs import models as jobs_models
from landkontor.numbering import models as numbering_models
from landkontor.partners import models as partners_models
from landkontor.production import models as production_models
from landkontor.purchasing import models as purchasing_models
from landkontor.sales import models as sales_models

__all__ = [
    "auth_models",
    "catalog_models",
    "company_models",
    "documents_models",
    "grain_models",
    "inventory_models",
    "jobs_models",
    "numbering_models",
    "partners_models",
    "production_models",
    "purchasing_models",
    "sales_models",
]
