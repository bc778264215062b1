"""Imports every domain's ORM models so that Base.metadata knows all tables (Alembic, tests)."""

from landkontor.auth import models as auth_models
from landkontor.catalog import models as catalog_models
from landkontor.inventory import models as inventory_models
from landkontor.jobs import models as jobs_models
from landkontor.production import models as production_models

__all__ = ["auth_models", "catalog_models", "inventory_models", "jobs_models", "production_models"]
