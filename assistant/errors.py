"""Errors a user can hit. Messages are safe to show and written in Norwegian bokmål.

    AssistantError
    ├── InputError          bad question or argument (CLI exit 2, HTTP 422)
    ├── IndexMissingError   no index built yet (run `assistant index`)
    ├── DocumentError       a source file could not be read (names the file)
    ├── BackendError        Chroma server or model not reachable
    └── ChecklistError      unknown checklist/item, bad status, session store problems
"""
from __future__ import annotations


class AssistantError(Exception):
    """Base class; `str(err)` is the user-facing message."""

    http_status = 500


class InputError(AssistantError):
    http_status = 422


class IndexMissingError(AssistantError):
    http_status = 503


class DocumentError(AssistantError):
    http_status = 500

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"Kunne ikke lese filen {path}: {reason}")


class BackendError(AssistantError):
    http_status = 503


class ChecklistError(AssistantError):
    http_status = 422


class NotFoundError(ChecklistError):
    http_status = 404
