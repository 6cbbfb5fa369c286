"""Bearer keys, request-size limit and per-client rate limit for /api and /v1.

Pure ASGI middleware rather than FastAPI dependencies, so the limits also hold for streaming
responses and for bodies that never reach a route (oversized or malformed JSON).
"""
from __future__ import annotations

import hmac
import json
import math
import threading
import time
from collections.abc import Iterable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROTECTED_PREFIXES = ("/api/", "/v1/")
DEFAULT_MAX_BODY_BYTES = 256 * 1024


def is_protected(path: str) -> bool:
    return path.startswith(PROTECTED_PREFIXES) or path in ("/api", "/v1")


def error_body(message: str, kind: str, accept_language: str | None, **extra) -> dict:
    """The one shape of an API error: `error` in the language the client asks for
    (Accept-Language; bokmål by default), `type` the same in every language."""
    from .text import localise_error, request_language

    return {"error": localise_error(message, request_language(accept_language)), "type": kind, **extra}


async def send_json_error(send: Send, status: int, message: str, kind: str, headers: Iterable[tuple[str, str]] = (),
                          scope: Scope | None = None) -> None:
    """An error from a middleware (before any route), as the app's error handlers write theirs."""
    accept = _header(scope, b"accept-language") if scope is not None else None
    body = json.dumps(error_body(message, kind, accept), ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str:
    for k, v in scope.get("headers", ()):
        if k == name:
            return v.decode("latin-1")
    return ""


def bearer_token(scope: Scope) -> str:
    auth = _header(scope, b"authorization")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return ""


class ApiKeyMiddleware:
    """Require `Authorization: Bearer <key>` on protected paths when keys are configured."""

    def __init__(self, app: ASGIApp, keys: Iterable[str]):
        self.app = app
        self.keys = tuple(k for k in keys if k)

    def _valid(self, token: str) -> bool:
        return any(hmac.compare_digest(token.encode(), k.encode()) for k in self.keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and self.keys
            and scope.get("method") != "OPTIONS"  # CORS preflight carries no credentials
            and not (scope.get("state") or {}).get("user")  # signed in through the SSO proxy (auth.py)
            and is_protected(scope["path"])
            and not self._valid(bearer_token(scope))
        ):
            await send_json_error(
                send, 401, "Mangler eller ugyldig API-nøkkel (Authorization: Bearer …).", "AuthenticationError",
                headers=[("www-authenticate", "Bearer")], scope=scope,
            )
            return
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPException):
    """Raised from inside `receive`; an HTTPException so FastAPI's body parsing re-raises it as is."""

    def __init__(self, message: str):
        super().__init__(status_code=413, detail=message)


class BodySizeLimitMiddleware:
    """Reject bodies over `max_bytes` with 413, by Content-Length or while streaming in."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        message = f"Forespørselen er for stor (maks {self.max_bytes // 1024} KiB)."
        length = _header(scope, b"content-length")
        if length.isdigit() and int(length) > self.max_bytes:
            await send_json_error(send, 413, message, "PayloadTooLarge", scope=scope)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(message)
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await send_json_error(send, 413, message, "PayloadTooLarge", scope=scope)


class TokenBucket:
    """Per-client buckets of `per_minute` tokens, refilled continuously."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Take one token; returns 0 if allowed, otherwise seconds until the next token."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            if len(self._buckets) > 10_000:  # forget idle clients so memory stays bounded
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 120}
            return (1 - tokens) / self.rate


class RateLimitMiddleware:
    """429 with Retry-After once a client (API key, else IP) exceeds the per-minute budget."""

    def __init__(self, app: ASGIApp, per_minute: int):
        self.app = app
        self.bucket = TokenBucket(per_minute) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.bucket is not None
            and scope["type"] == "http"
            and scope.get("method") != "OPTIONS"
            and is_protected(scope["path"])
        ):
            token = bearer_token(scope)
            client = f"key:{token}" if token else f"ip:{(scope.get('client') or ('?', 0))[0]}"
            wait = self.bucket.take(client)
            if wait > 0:
                await send_json_error(
                    send, 429, "For mange forespørsler. Vent litt og prøv igjen.", "RateLimitError",
                    headers=[("retry-after", str(max(1, math.ceil(wait))))], scope=scope,
                )
                return
        await self.app(scope, receive, send)


class OriginLogMiddleware:
    """Refuse, and log once per origin, a call to /api or /v1 from a page on another origin that
    is not in ASSISTANT_CORS_ORIGINS: 403 JSON naming the setting, and no answer computed. The
    browser would hide even a readable refusal from most such pages (CORS), so the log names
    the cause too. Gradio's own CORS rule lets local addresses (http://127.0.0.1:…) read
    responses, which is why the refusal is made here, not left to the browser. A request
    without `Origin` (curl, servers, OpenAI clients) and a pre-flight pass on."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str], log=None):
        import logging

        self.app = app
        self.allowed = {o.rstrip("/") for o in allowed}
        self.seen: set[str] = set()
        self.log = log or logging.getLogger("assistant.server")
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_protected(scope.get("path", "")):
            origin = _header(scope, b"origin").rstrip("/")
            hosts = {_header(scope, b"host"), _header(scope, b"x-forwarded-host")} - {""}
            same = origin.split("://", 1)[-1] in hosts
            if origin and not same and "*" not in self.allowed and origin not in self.allowed:
                with self._lock:
                    new = origin not in self.seen and len(self.seen) < 1000
                    self.seen.add(origin)
                if new:
                    self.log.warning("a page on %s called %s, but that origin is not in ASSISTANT_CORS_ORIGINS; "
                                     "the request is refused", origin, scope.get("path"))
                if scope.get("method") != "OPTIONS":
                    await send_json_error(send, 403, f"Siden på {origin} har ikke lov til å bruke API-et. Legg "
                                          "adressen til i ASSISTANT_CORS_ORIGINS.", "OriginNotAllowed", scope=scope)
                    return
        await self.app(scope, receive, send)
