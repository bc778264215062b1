"""The anchor of benchmarks/api_load.py: a bare FastAPI + SQLAlchemy application that reads
one item row by primary key, served by the same uvicorn as the API (same workers, loop and
HTTP parser). What the framework costs without anything of ours: no authentication, no
middleware, no ORM entities, no response model.

    BARE_API_DATABASE_URL=postgresql+psycopg://… .venv/bin/python -m uvicorn \
        benchmarks.bare_api:app --workers 2 --port 8765
"""

from __future__ import annotations

import os

from fastapi import FastAPI, HTTPException
from sqlalchemy import column, create_engine, select, table

from landkontor.urls import normalize_database_url

engine = create_engine(
    normalize_database_url(os.environ["BARE_API_DATABASE_URL"]), pool_size=10, max_overflow=10
)
items = table("items", column("id"), column("item_no"), column("name"))
app = FastAPI()


@app.get("/items/{item_id}")
def get_item(item_id: int) -> dict[str, object]:
    with engine.connect() as connection:
        row = connection.execute(
            select(items.c.id, items.c.item_no, items.c.name).where(items.c.id == item_id)
        ).first()
    if row is None:
        raise HTTPException(404)
    return {"id": row.id, "item_no": row.item_no, "name": row.name}
