"""Smart specialisation advisory assistant: grounded, cited answers from the guide."""
from .config import Config
from .core import Assistant, default_assistant
from .errors import (
    AssistantError,
    BackendError,
    ChecklistError,
    DocumentError,
    IndexMissingError,
    InputError,
    NotFoundError,
)
from .models import Answer, Citation, DocumentInfo, Hit, Passage, Segment, Turn

__all__ = sorted([
    "Answer", "Assistant", "AssistantError", "BackendError", "ChecklistError", "Citation", "Config",
    "DocumentError", "DocumentInfo", "Hit", "IndexMissingError", "InputError", "NotFoundError",
    "Passage", "Segment", "Turn", "default_assistant",
])
