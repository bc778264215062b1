"""What every page handler shares: the logged-in user, the POST checks, rendering and errors.

* :data:`WebUser` — the user of the session cookie. Without a valid session a page request
  is answered with a redirect to the login (htmx requests get ``HX-Redirect``).
* :func:`post_checks` — router-wide for every POST: CSRF token, same origin, and the
  API's rule that viewers never change anything (403). :func:`csrf_checks` is the part
  without the role rule, for the own account (log out, change password).
* :func:`require_role` — a page action that needs more than clerk, as the API route does.
* :func:`render` — a template with the user, the CSRF token and the navigation.
* :class:`WebRoute` — turns domain errors that a handler did not handle itself into German
  HTML error pages (or the login redirect) instead of the API's problem JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.responses import RedirectResponse, Response

from landkontor.auth import service as auth_service
from landkontor.auth.deps import SAFE_METHODS
from landkontor.auth.models import User
from landkontor.auth.roles import Role
from landkontor.auth.security import decode_access_token
from landkontor.common.deps import SessionDep
from landkontor.errors import DomainError, Forbidden, Unauthorized
from landkontor.settings import Settings
from landkontor.web import formatting
from landkontor.web.messages import input_message, problem_message
from landkontor.web.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    csrf_token_for,
    csrf_token_valid,
    end_session,
    same_origin,
    session_token,
)

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
LOGIN_PATH = "/anmelden"


@dataclass(frozen=True)
class NavEntry:
    label: str
    path: str
    minimum: Role = Role.viewer


# Every area of the interface, in menu order. A new area adds its entry here.
NAVIGATION: list[NavEntry] = [
    NavEntry("Übersicht", "/"),
    NavEntry("Artikel", "/artikel"),
    NavEntry("Lager", "/lager"),
    NavEntry("Chargen", "/chargen"),
    NavEntry("Lagerbewegungen", "/lagerbewegungen"),
    NavEntry("Inventur", "/inventur"),
    NavEntry("Kunden", "/kunden"),
    NavEntry("Lieferanten", "/lieferanten"),
    NavEntry("Preise", "/preise"),
    NavEntry("Verkauf", "/verkauf"),
    NavEntry("Einkauf", "/einkauf"),
    NavEntry("Produktion", "/produktion"),
    NavEntry("Rückverfolgung", "/rueckverfolgung"),
    NavEntry("Getreideannahme", "/getreideannahme"),
    NavEntry("Jobs", "/jobs"),
    NavEntry("System", "/system", Role.manager),
]


class CsrfFailed(Forbidden):
    code = "csrf-failed"
    title = "CSRF check failed"


def _environment(settings: Settings) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the package: no stat() per template and row on every render.
        auto_reload=False,
    )
    formatting.install_filters(environment, settings.timezone)
    return environment


def templates_for(request: Request) -> Jinja2Templates:
    """The template set of this application (built once per app, with its time zone)."""
    state = request.app.state
    templates: Jinja2Templates | None = getattr(state, "web_templates", None)
    if templates is None:
        templates = Jinja2Templates(env=_environment(state.settings))
        state.web_templates = templates
    return templates


def web_user(request: Request, session: SessionDep) -> User:
    """The active user of the session cookie; Unauthorized (-> login) otherwise."""
    token = session_token(request)
    if token is None:
        raise Unauthorized("no session")
    claims = decode_access_token(token, key=request.app.state.secret_key)
    user = auth_service.user_for_token(session, claims)
    request.state.user = user.username
    request.state.web_user = user
    return user


WebUser = Annotated[User, Depends(web_user)]


async def csrf_checks(request: Request) -> None:
    """Every request that may change something (POST, and any PUT, PATCH or DELETE a page
    adds later): the session's CSRF token and this site as its origin (CsrfFailed, 403)."""
    if request.method in SAFE_METHODS:
        return
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    key = request.app.state.secret_key
    if not csrf_token_valid(session_token(request), presented, key) or not same_origin(request):
        log.warning("csrf check failed", extra={"path": request.url.path})
        raise CsrfFailed("the form's CSRF token or origin is wrong")


async def post_checks(request: Request, user: WebUser) -> None:
    """Every POST of a business page: CSRF checks, then the API's rule that viewers may
    read but never change anything (Forbidden, 403)."""
    await csrf_checks(request)
    if request.method not in SAFE_METHODS and not user.role.at_least(Role.clerk):
        raise Forbidden("viewers have read-only access", required_role=Role.clerk.value)


def require_role(user: User, minimum: Role) -> None:
    """Forbidden unless ``user`` has ``minimum`` or a higher role (as the API route)."""
    if not user.role.at_least(minimum):
        raise Forbidden(f"this needs the role {minimum.value}", required_role=minimum.value)


def can(user: User, minimum: str) -> bool:
    """For templates: may ``user`` do what needs role ``minimum``? (shows or hides buttons)"""
    return user.role.at_least(Role(minimum))


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render ``template`` with the user, CSRF token and navigation added to ``context``."""
    user: User | None = getattr(request.state, "web_user", None)
    token = session_token(request)
    base: dict[str, Any] = {
        "user": user,
        "can": (lambda minimum: can(user, minimum)) if user else (lambda _minimum: False),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token_for(token, request.app.state.secret_key) if token and user else "",
        "navigation": [n for n in NAVIGATION if user and user.role.at_least(n.minimum)],
        "current_path": request.url.path,
    }
    return templates_for(request).TemplateResponse(
        request, template, {**base, **(context or {})}, status_code=status_code, headers=headers
    )


def redirect(path: str) -> RedirectResponse:
    """After a successful POST: see the result with a GET (303)."""
    return RedirectResponse(path, status_code=303)


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/"
    location = f"{LOGIN_PATH}?next={quote(target, safe='/')}"
    if is_htmx(request):
        response: Response = Response(status_code=204, headers={"HX-Redirect": location})
    else:
        response = RedirectResponse(location, status_code=303)
    if session_token(request) is not None:
        end_session(response, request)
    return response


def error_page(request: Request, error: DomainError) -> Response:
    return render(
        request,
        "error.html",
        {"status": error.status, "message": problem_message(error)},
        status_code=error.status,
        headers=error.headers or None,
    )


class WebRoute(APIRoute):
    """A page route: errors become German HTML (or the login redirect), never problem JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthorized:
                return _login_redirect(request)
            except DomainError as error:
                return error_page(request, error)
            except RequestValidationError as error:
                first = error.errors()[0] if error.errors() else {}
                field = ".".join(str(p) for p in first.get("loc", ())[1:])
                message = input_message(first.get("type", ""), first.get("ctx"))
                return render(
                    request,
                    "error.html",
                    {"status": 400, "message": f"{field}: {message}" if field else message},
                    status_code=400,
                )

        return handle
