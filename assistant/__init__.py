"""Smart specialisation advisory assistant: grounded, cited answers from the guide.

Names are imported on first use so that `import assistant` stays quick for commands that do not
need the search stack (checklists, feedback export).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    "Answer": "models", "Citation": "models", "DocumentInfo": "models", "Hit": "models", "Passage": "models",
    "Segment": "models", "Turn": "models", "Config": "config", "Assistant": "core", "default_assistant": "core",
    "AssistantError": "errors", "BackendError": "errors", "ChecklistError": "errors", "DocumentError": "errors",
    "IndexMissingError": "errors", "InputError": "errors", "NotFoundError": "errors",
    "StoreUnavailableError": "errors",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .core import Assistant, default_assistant
    from .errors import (AssistantError, BackendError, ChecklistError, DocumentError, IndexMissingError,
                         InputError, NotFoundError, StoreUnavailableError)
    from .models import Answer, Citation, DocumentInfo, Hit, Passage, Segment, Turn


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
