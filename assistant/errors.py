"""Errors a user can hit. Messages are safe to show and written in Norwegian bokmål.

    AssistantError
    ├── InputError          bad question or argument (CLI exit 2, HTTP 422)
    ├── IndexMissingError   no index built yet (run `assistant index`)
    ├── DocumentError       a source file could not be read (names the file)
    ├── BackendError        Chroma server or model not reachable
    └── ChecklistError      unknown checklist/item, bad status, a damaged session database
        ├── NotFoundError           no such session or checklist (HTTP 404)
        └── StoreUnavailableError   the session database is locked, missing or unreachable for
                                    now; try again (HTTP 503)
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


class StoreUnavailableError(ChecklistError):
    """The session database cannot be used right now (locked by another process, deleted under a
    running server, not reachable). Nothing saved is lost; the message says to try again."""

    http_status = 503
