"""The one FastAPI app: JSON API, OpenAI-compatible API, widget and the Gradio chat at `/`.

`create_app` only wires things together; the Assistant is built on first use (or given), so
importing this module and creating the app are cheap and tests can pass their own Assistant.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..config import Config
from ..core import Assistant
from ..errors import AssistantError
from ..feedback import FeedbackStore
from . import api, conversations_api, openai_compat, widget
from .security import (DEFAULT_MAX_BODY_BYTES, ApiKeyMiddleware, BodySizeLimitMiddleware, OriginLogMiddleware,
                       RateLimitMiddleware, error_body)

log = logging.getLogger(__name__)


class AssistantHolder:
    """Builds the Assistant once, on first use, from the app's Config."""

    def __init__(self, config: Config, assistant: Assistant | None = None, factory: Callable[[Config], Assistant] = Assistant):
        self.config = config
        self._assistant = assistant
        self._factory = factory
        self._lock = threading.Lock()

    def get(self) -> Assistant:
        if self._assistant is None:
            with self._lock:
                if self._assistant is None:
                    self._assistant = self._factory(self.config)
        return self._assistant


def _error(request: Request, status: int, message: str, kind: str, headers=None, **extra) -> JSONResponse:
    """Every handler's response: {error, type}, the message in the client's language (security.error_body)."""
    return JSONResponse(error_body(message, kind, request.headers.get("accept-language"), **extra), status_code=status,
                        headers=headers)


def _validation_message(exc: RequestValidationError) -> tuple[int, str, list[dict]]:
    errors = exc.errors()
    details = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in errors]
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "Ugyldig JSON i forespørselen.", details
    fields = ", ".join(".".join(str(p) for p in e["loc"] if p != "body") or "body" for e in details)
    return 422, f"Ugyldig forespørsel (sjekk feltene: {fields}).", details


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as JSON {error, type}; never a stack trace. `error` follows the
    client's Accept-Language (nb, sv, en); `type` is the same in every language."""

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        return _error(request, exc.http_status, str(exc), type(exc).__name__)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message, details = _validation_message(exc)
        return _error(request, status, message, "ValidationError" if status == 422 else "BadRequest", details=details)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kinds = {401: "AuthenticationError", 404: "NotFound", 405: "MethodNotAllowed", 413: "PayloadTooLarge", 429: "RateLimitError"}
        message = exc.detail if isinstance(exc.detail, str) else "Feil i forespørselen."
        if exc.status_code == 404 and message == "Not Found":
            message = "Fant ikke adressen."
        elif exc.status_code == 405 and message == "Method Not Allowed":
            message = "Metoden er ikke tillatt her."
        return _error(request, exc.status_code, message, kinds.get(exc.status_code, "HTTPError"),
                      headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(request, 500, "Intern feil. Prøv igjen senere.", "InternalError")


def create_app(
    assistant: Assistant | None = None,
    config: Config | None = None,
    *,
    ui: bool = True,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    warm: bool = False,
) -> FastAPI:
    """Build the server. `ui=False` skips Gradio (faster for API-only tests and embedding);
    `warm=True` loads the index and models in the background at start-up so the first
    question is not the slow one."""
    config = config or (assistant.config if assistant is not None else Config.from_env())
    holder = AssistantHolder(config, assistant)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if warm:
            threading.Thread(target=_warm_up, args=(holder,), name="assistant-warm-up", daemon=True).start()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Smart spesialisering – rådgivningsassistent",
        version="0.1.0",
        description="Grounded, cited answers from the smart specialisation corpus. "
        "JSON API under /api, OpenAI-compatible API under /v1, web chat at /, widget at /widget.js.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.config = config
    app.state.assistants = holder
    app.state.feedback = FeedbackStore(config.feedback_db, url=config.database_url)
    install_error_handlers(app)

    app.include_router(api.health_router)
    app.include_router(api.router)
    app.include_router(openai_compat.router)
    app.include_router(widget.router)
    app.include_router(conversations_api.router)
    _include_checklists(app)
    _answer_unknown_api_paths(app)

    # Outermost first at request time: CORS answers preflights before keys/limits are checked.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(RateLimitMiddleware, per_minute=config.rate_limit)
    app.add_middleware(ApiKeyMiddleware, keys=config.api_keys)
    if config.auth_header:  # outside the key check: a signed-in user needs no key (auth.py)
        from .auth import SignInMiddleware

        app.add_middleware(SignInMiddleware, header=config.auth_header, trusted=config.trusted_proxies,
                           admins=config.admins, keys=config.api_keys)
    app.add_middleware(OriginLogMiddleware, allowed=config.cors_origins)
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_credentials=bool(config.auth_header) and "*" not in config.cors_origins,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )

    if ui:
        from .ui import mount_ui  # gradio is heavy; only import it when the UI is wanted

        app = mount_ui(app, app.state.assistants, config, app.state.feedback)
    return app


def worker_app() -> FastAPI:
    """One process of `assistant serve --workers N`: uvicorn imports this factory by name in each
    worker (server/cli.py), so each reads the settings from the environment, loads the index and
    models itself (in the background, as `assistant serve` does) and follows re-indexing on its own.
    Without the Gradio web chat: its state lives in one process, and the workers share a port."""
    return create_app(config=Config.from_env(), warm=True, ui=False)


def _answer_unknown_api_paths(app: FastAPI) -> None:
    """/api/* and /v1/* always answer with the app's JSON errors: a path no route has is 404, a
    route asked with a method it does not take is 405 with `Allow`. Without this the Gradio app
    mounted at `/` would answer both with its own `{"detail": "Not Found"}`. Added after every
    API route and before the mount, so it only sees what nothing else matched."""
    from starlette.routing import Match

    api_routes = list(app.router.routes)

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    async def unknown(request: Request) -> JSONResponse:
        allowed = [m for m in methods if any(route.matches({**request.scope, "method": m})[0] is Match.FULL
                                             for route in api_routes)]  # the path exists with these
        if allowed:
            return _error(request, 405, "Metoden er ikke tillatt her.", "MethodNotAllowed",
                          headers={"Allow": ", ".join(allowed)})
        return _error(request, 404, "Fant ikke adressen.", "NotFound")

    for prefix in ("/api", "/v1"):
        app.add_api_route(prefix + "/{rest:path}", unknown, methods=methods, include_in_schema=False)
        app.add_api_route(prefix, unknown, methods=methods, include_in_schema=False)


def _warm_up(holder: AssistantHolder) -> None:
    try:
        assistant = holder.get()
        if assistant.is_ready():
            assistant.retrieve("smart spesialisering", k=1)
    except Exception:  # noqa: BLE001 - warming is best effort; /readyz reports the real state
        log.warning("warm-up failed", exc_info=True)


def _include_checklists(app: FastAPI) -> None:
    """Checklist routes, when the checklist package is present."""
    try:
        from . import checklists_api
    except ImportError:  # checklists not available in this build
        return
    app.include_router(checklists_api.router)
