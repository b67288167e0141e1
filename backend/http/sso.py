"""Single sign-on in the browser: GET /sso/start sends it to the company's identity provider,
GET /sso/callback takes it back, signs it in with the same cookies a password sign-in sets and
redirects into the SPA. A failure is a plain page saying what went wrong, with no session."""

from __future__ import annotations

import html
import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from backend.auth import tokens
from backend.auth.oidc import OidcClient, OidcError
from backend.domain.accounts import sso
from backend.portal import Portal

log = logging.getLogger(__name__)
STATE_COOKIE = "portal_sso_state"
# Query values are bounded before anything reads them.
MAX_PARAM = 2000
# Failures of the provider itself (unreachable, refusing the code) are a bad gateway; the rest a
# bad request.
_GATEWAY = {"unreachable", "bad_status", "not_json", "too_large", "token_failed", "bad_jwks"}
_STATUS = {"rate_limited": 429, "no_connection": 404}


def _secure(request: Request, portal: Portal) -> bool:
    return request.url.hostname not in ("127.0.0.1", "localhost", "::1") or portal.settings.production


def _param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value[:MAX_PARAM] if value else None


def error_page(message: str, status: int) -> HTMLResponse:
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in failed — Licensing Portal</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; padding: 0 1rem; background: #f4f6fa; color: #111827; }}
main {{ max-width: 34rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 8px;
       box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
h1 {{ font-size: 1.4rem; margin-top: 0; }}
a {{ color: #1d4ed8; }}
</style></head>
<body><main role="main">
<h1>Company sign-in failed</h1>
<p>{html.escape(message)}</p>
<p>You are not signed in. <a href="/login">Back to sign-in</a></p>
</main></body></html>"""
    response = HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
    response.delete_cookie(STATE_COOKIE, path="/sso")
    return response


def routes(portal: Portal) -> list[Route]:
    oidc = OidcClient(production=portal.settings.production)

    async def start(request: Request) -> Response:
        try:
            started = await sso.start(
                portal.db,
                oidc,
                portal.settings,
                email=_param(request, "email"),
                account_number=_param(request, "account"),
                ip=request.client.host if request.client else None,
            )
        except OidcError as exc:
            return error_page(exc.message, _STATUS.get(exc.reason, 502 if exc.reason in _GATEWAY else 400))
        response = RedirectResponse(started.url, status_code=302, headers={"Cache-Control": "no-store"})
        # Binds the sign-in to this browser: a callback link made elsewhere does not carry it.
        response.set_cookie(
            STATE_COOKIE,
            started.state,
            max_age=int(sso.LOGIN_TTL.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=_secure(request, portal),
            path="/sso",
        )
        return response

    async def callback(request: Request) -> Response:
        back = sso.Callback(
            state=_param(request, "state"),
            cookie_state=request.cookies.get(STATE_COOKIE),
            code=_param(request, "code"),
            error=_param(request, "error"),
            error_description=_param(request, "error_description"),
        )
        try:
            done = await sso.finish(
                portal.db,
                oidc,
                portal.settings,
                back,
                request.client.host if request.client else None,
                request.headers.get("user-agent"),
            )
        except OidcError as exc:
            log.info("single sign-on refused: %s", exc.reason)
            return error_page(exc.message, 502 if exc.reason in _GATEWAY else 400)
        response = RedirectResponse("/", status_code=303, headers={"Cache-Control": "no-store"})
        settings = portal.settings
        tokens.set_session_cookies(
            response,
            settings.secret_key,
            done.session_token,
            settings.session_ttl_days * 86400,
            _secure(request, portal),
        )
        response.delete_cookie(STATE_COOKIE, path="/sso")
        return response

    return [Route("/sso/start", start, methods=["GET"]), Route("/sso/callback", callback, methods=["GET"])]
