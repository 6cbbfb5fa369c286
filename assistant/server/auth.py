"""Sign-in through the organisation's SSO reverse proxy (a trusted header), and who a request is.

With `ASSISTANT_AUTH_HEADER` set (e.g. `X-Forwarded-User`), every route but `/healthz`,
`/readyz` and the static `/widget.js` needs a signed-in user: a request must come from an address in
`ASSISTANT_TRUSTED_PROXIES` and carry the header the proxy sets after its own sign-in. A request
from anywhere else is refused (403), even with the header, so nobody can name themselves by
going round the proxy. Machine clients keep API keys: on `/api` and `/v1` a valid
`Authorization: Bearer` key is enough, from any address. Users named in `ASSISTANT_ADMINS` see
everyone's conversations and checklist sessions; everyone else sees their own.

Without the setting nothing changes: no user, every conversation and session is shared, and
`/api` and `/v1` are protected by API keys when any are configured.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from .security import _header, bearer_token, is_protected, send_json_error

OPEN_PATHS = ("/healthz", "/readyz", "/widget.js")  # no data: health, and the static widget script


def user_name(raw: str) -> str:
    """The one form of a user name from the proxy's header: whitespace collapsed and case folded,
    so «OLA», «Ola » and «ola» are one user for record ownership and the admin list alike."""
    return " ".join(str(raw or "").split()).casefold()


@dataclass(frozen=True)
class Identity:
    name: str
    admin: bool = False

    @property
    def owner(self) -> str | None:
        """Whose records this user sees: their own, or everyone's (None) for an admin."""
        return None if self.admin else self.name


def _networks(addresses: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for a in addresses:
        try:
            out.append(ipaddress.ip_network(a.strip(), strict=False))
        except ValueError:
            continue
    return out


class SignInMiddleware:
    """Puts `Identity` in `scope["state"]["user"]`, or refuses the request (see the module)."""

    def __init__(self, app: ASGIApp, header: str, trusted: Iterable[str], admins: Iterable[str] = (),
                 keys: Iterable[str] = ()):
        self.app = app
        self.header = header.lower().encode("latin-1")
        self.trusted = _networks(trusted)
        self.admins = {user_name(a) for a in admins}
        self.keys = tuple(k for k in keys if k)

    def _from_proxy(self, scope: Scope) -> bool:
        client = scope.get("client")
        if not client:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in net for net in self.trusted)

    def _has_key(self, scope: Scope) -> bool:
        import hmac

        token = bearer_token(scope)
        return bool(token) and any(hmac.compare_digest(token.encode(), k.encode()) for k in self.keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and scope.get("method") == "OPTIONS" and is_protected(scope.get("path", "")):
            await self.app(scope, receive, send)  # a CORS preflight carries no credentials
            return
        if is_protected(scope.get("path", "")) and self._has_key(scope):
            await self.app(scope, receive, send)  # a machine client with an API key
            return
        name = user_name(_header(scope, self.header))
        if not self._from_proxy(scope) or not name:
            bypass = not self._from_proxy(scope)
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            elif _wants_html(scope):
                await _send_sign_in_page(send, scope, 403 if bypass else 401, bypass)
            elif bypass:
                await send_json_error(send, 403, "Forespørselen kom ikke gjennom innloggingen. Bruk adressen "
                                      "organisasjonen har gitt deg.", "AuthenticationError", scope=scope)
            else:
                await send_json_error(send, 401, "Du er ikke logget inn.", "AuthenticationError", scope=scope)
            return
        scope.setdefault("state", {})["user"] = Identity(name, name in self.admins)
        await self.app(scope, receive, send)


def _wants_html(scope: Scope) -> bool:
    """A browser opening a page (Accept: text/html), not an API client: those keep JSON."""
    return not is_protected(scope.get("path", "")) and "text/html" in _header(scope, b"accept").lower()


SIGN_IN_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – {product}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#111827}}
@media (prefers-color-scheme:dark){{body{{background:#111827;color:#f3f4f6}}}}</style></head>
<body><main><h1>{product}</h1><p>{message}</p></main></body></html>
"""


async def _send_sign_in_page(send: Send, scope: Scope, status: int, bypass: bool) -> None:
    """A short page, in the language the browser asks for, saying to sign in through the
    organisation's portal (the proxy that signs users in)."""
    from .text import esc, request_language, t

    lang = request_language(_header(scope, b"accept-language"))
    body = SIGN_IN_PAGE.format(lang=lang, title=esc(t("signin_title", lang)), product=esc(t("title", lang)),
                               message=esc(t("signin_bypass" if bypass else "signin_needed", lang))).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


def identity_of(request: Any) -> Identity | None:
    """The signed-in user of a Starlette/FastAPI request or a Gradio `gr.Request`, if any."""
    if request is None:
        return None
    inner = getattr(request, "request", None)  # gr.Request wraps the Starlette request
    for candidate in (request, inner):
        state = getattr(candidate, "state", None)
        user = getattr(state, "user", None) if state is not None else None
        if isinstance(user, Identity):
            return user
    scope = getattr(inner, "scope", None) or getattr(request, "scope", None)
    if isinstance(scope, dict):
        user = (scope.get("state") or {}).get("user")
        if isinstance(user, Identity):
            return user
    return None


def owner_of(request: Any) -> str | None:
    """Whose records a request may see: None for all (no sign-in, an admin or an API key)."""
    user = identity_of(request)
    return user.owner if user is not None else None


def name_of(request: Any) -> str:
    user = identity_of(request)
    return user.name if user is not None else ""


def resolver(config: Any):
    """`resolve(request) -> Identity | None` for the web UI: from the middleware's state, else
    from the header itself (every request reaching the UI has passed the middleware); None when
    sign-in is not configured. A request without a user then sees nobody's records."""
    admins = {user_name(a) for a in config.admins}

    def resolve(request: Any) -> Identity | None:
        if not config.auth_header:
            return None
        found = identity_of(request)
        if found is not None:
            return found
        headers = getattr(request, "headers", None) or {}
        name = user_name(headers.get(config.auth_header) or headers.get(config.auth_header.lower()) or "")
        return Identity(name, name in admins) if name else Identity("\u2205", False)

    return resolve
