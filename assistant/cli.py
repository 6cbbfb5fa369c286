"""`assistant` command line. Thin: builds the Assistant from Config and translates errors."""
from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Smart spesialisering – rådgivningsassistent")

# Sub-command groups registered by their own modules (one line each):
# --- registrations ---


def main() -> None:
    app()
