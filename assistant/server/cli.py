"""`assistant serve` and `assistant feedback export`. Thin: heavy imports happen inside."""
from __future__ import annotations

import ipaddress
import os
import sys
import threading
import time
from pathlib import Path

import typer

feedback_app = typer.Typer(no_args_is_help=True, help="Tilbakemeldinger (tommel opp/ned) fra nettpraten.")

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Adressen serveren lytter på."),
    port: int = typer.Option(7860, "--port", help="Porten serveren lytter på."),
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn-loggnivå."),
    workers: int = typer.Option(1, "--workers", min=1, help="Antall prosesser som deler porten (API-et, OpenAI-API-et "
                                "og widgeten; nettpraten kun med 1). Hver laster indeksen selv."),
) -> None:
    """Start nettpraten, HTTP-API-et, det OpenAI-kompatible API-et og widgeten på én server."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # Chroma
    from ..config import Config

    config = Config.from_env()
    if not is_loopback(host) and not config.api_keys and not config.auth_header:
        typer.echo(
            f"Avbryter: serveren kan bare lytte på {host} når API-nøkler er satt opp "
            "(ASSISTANT_API_KEYS eller ASSISTANT_API_KEYS_FILE). Uten nøkler: bruk --host 127.0.0.1.",
            err=True,
        )
        raise typer.Exit(2)

    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    if workers > 1:
        _serve_workers(workers, host, port, log_level, shown)
        return

    from .app import create_app

    app = create_app(config=config, warm=True)
    server = uvicorn.Server(uvicorn_config(app, host, port, log_level))

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.1)
        if server.started:
            typer.echo(f"Assistenten kjører: http://{shown}:{port}/  (API-dokumentasjon: http://{shown}:{port}/api/docs)")
            typer.echo("Trykk Ctrl+C for å stoppe.")

    threading.Thread(target=announce, daemon=True).start()
    server.run()
    if not server.started:
        raise typer.Exit(1)


WORKER_APP = "assistant.server.app:worker_app"
WORKER_HEALTHCHECK_SECONDS = 60  # uvicorn's 5 s would kill a worker whose pong thread waits on the GIL under load


def _serve_workers(workers: int, host: str, port: int, log_level: str, shown: str) -> None:
    """`--workers N`: uvicorn's supervisor binds the port once and starts N processes that accept on
    it; each imports `worker_app` by name and builds its own app, index and models, follows
    re-indexing on its own (live.py), and shares the session database (SQLite in WAL mode under
    ASSISTANT_HOME, or ASSISTANT_DATABASE_URL). A dead worker is replaced. The Gradio web chat keeps
    a page's state in the process that served it, and a shared port cannot send a page back to
    the same process, so the workers serve everything but the web chat."""
    import uvicorn

    typer.echo(f"Assistenten kjører med {workers} prosesser: http://{shown}:{port}/api  "
               f"(API-dokumentasjon: http://{shown}:{port}/api/docs; nettpraten kun med én prosess)")
    typer.echo("Trykk Ctrl+C for å stoppe.")
    uvicorn.run(WORKER_APP, factory=True, workers=workers,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                **uvicorn_options(host, port, log_level))


@feedback_app.command("export")
def export(
    out: Path = typer.Option(None, "--out", help="Fil å skrive til (JSONL); standard er stdout."),
) -> None:
    """Eksporter alle tilbakemeldinger som JSONL (én linje per vurdering)."""
    from ..config import Config
    from ..feedback import FeedbackStore

    config = Config.from_env()
    store = FeedbackStore(config.feedback_db, url=config.database_url)
    n = store.export_jsonl(out if out is not None else sys.stdout)
    if out is not None:
        typer.echo(f"Skrev {n} tilbakemeldinger til {out}.", err=True)


def uvicorn_config(app, host: str, port: int, log_level: str = "warning"):
    """How the app is served. `proxy_headers` is off: uvicorn would otherwise replace the caller's
    address with the X-Forwarded-For that an SSO proxy on the same host sets, and the sign-in's
    trusted-proxy check (`ASSISTANT_TRUSTED_PROXIES`) must see the proxy itself. The app's own
    log ("assistant", e.g. a page whose origin is not in ASSISTANT_CORS_ORIGINS) goes where
    uvicorn's goes, with its level, at `log_level` or above."""
    import uvicorn

    return uvicorn.Config(app, **uvicorn_options(host, port, log_level))


def uvicorn_options(host: str, port: int, log_level: str = "warning") -> dict:
    """uvicorn's settings, the same for one process and for `--workers N` (see `uvicorn_config`)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    logging_config = copy.deepcopy(LOGGING_CONFIG)
    logging_config["loggers"]["assistant"] = {"handlers": ["default"], "level": log_level.upper()}
    return dict(host=host, port=port, log_level=log_level, proxy_headers=False, log_config=logging_config)
