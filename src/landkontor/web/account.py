"""Anmelden, Abmelden, Passwort ändern."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from landkontor.auth import service as auth_service
from landkontor.auth.schemas import PasswordChange
from landkontor.common.deps import SessionDep, SettingsDep
from landkontor.errors import DomainError, TooManyRequests, Unauthorized
from landkontor.web.forms import FormState, parse_form
from landkontor.web.messages import problem_message
from landkontor.web.pages import (
    LOGIN_PATH,
    CsrfFailed,
    WebRoute,
    WebUser,
    csrf_checks,
    redirect,
    render,
)
from landkontor.web.session import end_session, renew_token, same_origin, start_session

# Login needs no session (and so no CSRF token: there is no session yet to bind it to);
# the Origin check and SameSite still keep other sites' forms out.
login_router = APIRouter(route_class=WebRoute)
# Any logged-in user, viewers included, may log out and change the own password.
router = APIRouter(route_class=WebRoute, dependencies=[Depends(csrf_checks)])


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//other.host`` or an absolute URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 32 or ord(c) == 127 for c in target):  # browsers drop tabs: "/\t/x"
        return "/"
    return target


@login_router.get(LOGIN_PATH)
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "account/login.html", {"form": FormState(), "next": _safe_next(next)})


@login_router.post(LOGIN_PATH)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=150)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    form = FormState(values={"username": username})
    target = _safe_next(next)
    if not same_origin(request):
        form.message = problem_message(CsrfFailed("login form from another origin"))
        return render(
            request, "account/login.html", {"form": form, "next": target}, status_code=403
        )
    try:
        issued = auth_service.authenticate(
            session, username, password, settings=settings, key=request.app.state.secret_key
        )
    except TooManyRequests as error:
        form.message = problem_message(error)
        return render(
            request,
            "account/login.html",
            {"form": form, "next": target},
            status_code=429,
            headers=error.headers,
        )
    except Unauthorized:
        form.message = "Benutzername oder Passwort ist falsch."
        return render(
            request, "account/login.html", {"form": form, "next": target}, status_code=401
        )
    response = redirect(target)
    start_session(response, request, token=issued.token, settings=settings)
    return response


@router.post("/abmelden")
def logout(request: Request, _: WebUser) -> Response:
    response = redirect(LOGIN_PATH)
    end_session(response, request)
    return response


@router.get("/passwort")
def password_page(request: Request, _: WebUser, geaendert: bool = False) -> Response:
    return render(request, "account/password.html", {"form": FormState(), "done": geaendert})


@router.post("/passwort")
async def change_password(
    request: Request, user: WebUser, session: SessionDep, settings: SettingsDep
) -> Response:
    data, form = parse_form(PasswordChange, await request.form())
    form.values = {}  # never echo passwords back into the page
    if data is not None:
        try:
            auth_service.change_own_password(
                session, user, data.current_password, data.new_password
            )
        except DomainError as error:
            form.fail(error, known_fields=("current_password", "new_password"))
        else:
            # The change ended every session (token version); this browser gets a new one.
            response = redirect("/passwort?geaendert=1")
            token = renew_token(
                user.id, user.token_version, key=request.app.state.secret_key, settings=settings
            )
            start_session(response, request, token=token, settings=settings)
            return response
    return render(request, "account/password.html", {"form": form, "done": False}, status_code=422)
