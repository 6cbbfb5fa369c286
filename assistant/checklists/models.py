"""Records of the checklist walkthrough: checklists as loaded from data, and session state.

Kept apart from `assistant.models` so the checklist feature can change without touching the
answering pipeline. Pydantic, so the CLI, web UI and HTTP API serialise them the same way.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ChecklistError, NotFoundError

Status = Literal["ja", "delvis", "nei", "ikke relevant"]
STATUSES: tuple[str, ...] = ("ja", "delvis", "nei", "ikke relevant")
STATUS_LABELS: dict[str, str] = {"ja": "Ja", "delvis": "Delvis", "nei": "Nei", "ikke relevant": "Ikke relevant"}
# Aliases accepted from the CLI, forms and the API (all lower case).
_STATUS_ALIASES = {
    "j": "ja", "ja": "ja", "yes": "ja",
    "d": "delvis", "delvis": "delvis", "partly": "delvis",
    "n": "nei", "nei": "nei", "no": "nei",
    "i": "ikke relevant", "ir": "ikke relevant", "ikke relevant": "ikke relevant",
    "ikke_relevant": "ikke relevant", "ikke-relevant": "ikke relevant", "n/a": "ikke relevant",
}
MAX_NOTE_CHARS = 5000
MAX_SHORT_CHARS = 200


def normalise_status(value: str) -> str:
    """Map a user's status to one of `STATUSES`, or raise a ChecklistError that lists them."""
    key = " ".join(str(value).strip().lower().split())
    if key in _STATUS_ALIASES:
        return _STATUS_ALIASES[key]
    valid = ", ".join(f"«{s}»" for s in STATUSES)
    raise ChecklistError(f"Ugyldig status «{value}». Gyldige verdier er {valid}.")


class Source(BaseModel):
    """Where in the corpus an item is written: document id, section path, page (None if unknown)."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    section: str
    page: int | None = None

    @property
    def label(self) -> str:
        page = f", s. {self.page}" if self.page is not None else ""
        return f"{self.section}{page}"


class ChecklistItem(BaseModel):
    """One question or requirement, in the guide's own words."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    source: Source
    help: str | None = None
    group: str = ""

    @property
    def label(self) -> str:
        """The text with a capital first letter, for display (the data keeps the guide's casing)."""
        return self.text[:1].upper() + self.text[1:]

    @property
    def explain_query(self) -> str:
        """What to ask the assistant: the text plus its help (guide text too), which retrieves
        the item's own passage more reliably; a fragment's lead-in goes first."""
        if not self.help:
            return self.text
        return f"{self.help} {self.text}" if self.text[:1].islower() else f"{self.text} {self.help}"


class ChecklistGroup(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    intro: str | None = None
    item_ids: tuple[str, ...] = ()


class Checklist(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    description: str = ""
    document: str = ""
    order: int = 0
    groups: tuple[ChecklistGroup, ...] = ()
    items: tuple[ChecklistItem, ...] = ()

    def item(self, item_id: str) -> ChecklistItem:
        for it in self.items:
            if it.id == item_id:
                return it
        raise NotFoundError(f"Sjekklisten «{self.id}» har ikke noe punkt «{item_id}».")

    def index_of(self, item_id: str) -> int:
        return self.items.index(self.item(item_id))


class ItemState(BaseModel):
    """What a team recorded for one item. Every field may be empty until someone answers."""

    status: Status | None = None
    note: str = ""
    owner: str = ""
    due: date | None = None
    updated_at: datetime | None = None
    updated_by: str = ""

    @property
    def answered(self) -> bool:
        return self.status is not None


class Session(BaseModel):
    """One team's walkthrough of one checklist. `states` holds only items someone touched."""

    id: str
    checklist_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    created_by: str = ""
    states: dict[str, ItemState] = Field(default_factory=dict)

    def state(self, item_id: str) -> ItemState:
        return self.states.get(item_id) or ItemState()


class Progress(BaseModel):
    answered: int
    total: int

    @property
    def label(self) -> str:
        return f"{self.answered} av {self.total}"

    @property
    def done(self) -> bool:
        return self.answered >= self.total


class SessionSummary(BaseModel):
    """A row of the session list: enough to choose one to resume."""

    id: str
    checklist_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    answered: int
    total: int
    created_by: str = ""  # whose session it is (the signed-in user who started it), as on `Session`

    @property
    def progress(self) -> str:
        return f"{self.answered} av {self.total}"
