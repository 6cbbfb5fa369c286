"""One server for the web chat, the JSON API, the OpenAI-compatible API and the widget.

    >>> from assistant.server import create_app
    >>> app = create_app()          # then: uvicorn.run(app) or `assistant serve`

Imported lazily so `import assistant.server` does not pull in FastAPI and Gradio.
"""
from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
