"""The browser session and CSRF protection.

Session: the cookie ``lk_session`` holds an access token made by the same machinery as
the API's bearer tokens (``auth.security``): signed with the secret key, carrying the user
id and token version, expiring after ``LANDKONTOR_TOKEN_EXPIRE_MINUTES``. So deactivating a
user or changing a password (both raise the token version) ends every session at once,
exactly like every token. The cookie is HttpOnly (no script reads it), SameSite=Lax (other
sites' forms do not carry it) and Secure when the page came over HTTPS.

CSRF: every form POST must carry ``csrf_token`` (form field, or the ``X-CSRF-Token`` header
that htmx sends). It is an HMAC of the session cookie under the secret key, so it is bound
to this one session, needs no server-side state and dies with the session. In addition the
request's ``Origin`` (or, without it, ``Referer``) must be this site; a POST carrying
neither is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import Response

from landkontor.auth.security import create_access_token
from landkontor.settings import Settings

SESSION_COOKIE = "lk_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def start_session(response: Response, request: Request, *, token: str, settings: Settings) -> None:
    """Set the session cookie carrying ``token`` (an access token from auth)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.token_expire_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def end_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def renew_token(user_id: int, token_version: int, *, key: str, settings: Settings) -> str:
    """A fresh session token (after a password change, which raised the token version)."""
    token, _ = create_access_token(
        user_id, token_version, key=key, lifetime=timedelta(minutes=settings.token_expire_minutes)
    )
    return token


def csrf_token_for(session: str, key: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of the session cookie under the secret key."""
    return hmac.new(key.encode(), b"csrf:" + session.encode(), hashlib.sha256).hexdigest()


def csrf_token_valid(session: str | None, presented: str | None, key: str) -> bool:
    if not session or not presented:
        return False
    return hmac.compare_digest(csrf_token_for(session, key), presented)


def same_origin(request: Request) -> bool:
    """True when the request's Origin (else Referer) is this site (scheme, host and port)."""
    own = f"{request.url.scheme}://{request.url.netloc}".lower()
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin.rstrip("/").lower() == own
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}".lower() == own
    return False
