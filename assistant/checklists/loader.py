"""Loads checklists from the YAML files in `data/` (checklists are data, not code).

A file lists groups; a group gives defaults (section, page, doc_id) that its items may override,
so each loaded `ChecklistItem` carries its full source.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import ChecklistError, NotFoundError
from .models import Checklist, ChecklistGroup, ChecklistItem, Source

_MISSING = object()


def _data_dir() -> Path:
    return Path(str(resources.files(__package__) / "data"))


def parse_checklist(raw: dict, origin: str = "<data>") -> Checklist:
    """Build a Checklist from one parsed YAML mapping; errors name the file."""
    try:
        doc_id = raw.get("doc_id", "")
        groups, items, seen = [], [], set()
        for g in raw.get("groups") or []:
            ids = []
            for it in g.get("items") or []:
                if it["id"] in seen:
                    raise ValueError(f"punkt-id «{it['id']}» er brukt to ganger")
                seen.add(it["id"])
                page = it.get("page", _MISSING)
                source = Source(
                    doc_id=it.get("doc_id") or g.get("doc_id") or doc_id,
                    section=it.get("section") or g.get("section") or "",
                    page=g.get("page") if page is _MISSING else page,
                )
                items.append(ChecklistItem(
                    id=it["id"], text=" ".join(str(it["text"]).split()), source=source,
                    help=it.get("help"), group=g["name"],
                ))
                ids.append(it["id"])
            groups.append(ChecklistGroup(name=g["name"], intro=g.get("intro"), item_ids=tuple(ids)))
        return Checklist(
            id=raw["id"], title=raw["title"], description=raw.get("description", ""),
            document=raw.get("document", ""), order=int(raw.get("order", 0)),
            groups=tuple(groups), items=tuple(items),
        )
    except (KeyError, TypeError, ValueError, ValidationError) as err:
        raise ChecklistError(f"Sjekklistefilen {origin} er ugyldig: {err}") from err


@lru_cache(maxsize=None)
def _load_dir(directory: str) -> dict[str, Checklist]:
    found: dict[str, Checklist] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as err:
            raise ChecklistError(f"Kunne ikke lese sjekklistefilen {path.name}: {err}") from err
        checklist = parse_checklist(raw or {}, origin=path.name)
        if checklist.id in found:
            raise ChecklistError(f"Sjekkliste-id «{checklist.id}» finnes i mer enn én fil ({path.name}).")
        found[checklist.id] = checklist
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def load_checklists(directory: Path | None = None) -> dict[str, Checklist]:
    """All checklists by id, in display order (cached per directory)."""
    return dict(_load_dir(str(directory or _data_dir())))


def get_checklist(checklist_id: str, directory: Path | None = None) -> Checklist:
    checklists = load_checklists(directory)
    try:
        return checklists[checklist_id]
    except KeyError:
        known = ", ".join(checklists)
        raise NotFoundError(f"Ukjent sjekkliste «{checklist_id}». Tilgjengelige: {known}.") from None
