"""FastAPI dependencies: the database session, settings, and the paging query parameters.

They are ``async`` because none of them waits for anything (closing a session that talked to
the database goes to the thread pool): FastAPI runs a plain ``def`` dependency in its thread
pool, and every such trip costs each request time for nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from landkontor.common.bounds import Offset
from landkontor.common.pagination import MAX_LIMIT, PageParams
from landkontor.db.session import Database
from landkontor.settings import Settings


async def get_db(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(database: Annotated[Database, Depends(get_db)]) -> AsyncIterator[Session]:
    """A session for the request, closed (and rolled back if uncommitted) after it."""
    session = database.sessionmaker()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)  # returns its connection: a round trip
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 50,
    offset: Annotated[Offset, Query(description="Rows to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]
