"""Übersicht: what needs attention today, each tile linking to its filtered list."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from landkontor.web.pages import WebRoute, WebUser, post_checks, render

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])


@router.get("/")
def dashboard(request: Request, _: WebUser) -> Response:
    return render(request, "dashboard/index.html")
