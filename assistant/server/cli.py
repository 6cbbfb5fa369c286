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

    from .app import create_app

    app = create_app(config=config, warm=True)
    server = uvicorn.Server(uvicorn_config(app, host, port, log_level))
    shown = f"[{host}]" if ":" in host else host

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
    import copy

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    logging_config = copy.deepcopy(LOGGING_CONFIG)
    logging_config["loggers"]["assistant"] = {"handlers": ["default"], "level": log_level.upper()}
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, proxy_headers=False,
                          log_config=logging_config)
