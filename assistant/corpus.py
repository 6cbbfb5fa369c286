"""The corpus folder: which documents there are and their provenance."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import DocumentError
SUPPORTED = (".txt", ".md", ".pdf")
from .models import DocumentInfo

MANIFEST = "manifest.yaml"
DEFAULT_AUTHORITY = "Tilleggsdokument (ikke vurdert)"


@dataclass(frozen=True)
class SourceFile:
    info: DocumentInfo
    path: Path

    def content_hash(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]


def load_manifest(corpus_dir: Path) -> dict[str, dict]:
    path = corpus_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as err:
        raise DocumentError(str(path), "manifestet er ikke gyldig UTF-8-tekst") from err
    except OSError as err:
        raise DocumentError(str(path), f"manifestet kan ikke leses ({err.strerror})") from err
    except yaml.YAMLError as err:
        raise DocumentError(str(path), f"manifestet er ikke gyldig YAML ({err.__class__.__name__})") from err
    return {entry["file"]: entry for entry in data.get("documents", []) if isinstance(entry, dict) and "file" in entry}


def _default_id(path: Path) -> str:
    slug = re.sub(r"[^a-z0-9æøåäö]+", "-", path.stem.lower()).strip("-")
    return slug or hashlib.sha1(path.name.encode()).hexdigest()[:8]


def discover(corpus_dir: Path) -> list[SourceFile]:
    """Every supported file in the corpus folder, with manifest metadata or defaults."""
    if not corpus_dir.is_dir():
        raise DocumentError(str(corpus_dir), "korpusmappen finnes ikke")
    manifest = load_manifest(corpus_dir)
    out = []
    try:
        paths = sorted(corpus_dir.iterdir())
    except OSError as err:
        raise DocumentError(str(corpus_dir), f"korpusmappen kan ikke leses ({err.strerror})") from err
    for path in paths:
        if path.name.startswith(".") or path.suffix.lower() not in SUPPORTED or path.name.lower() == "readme.md":
            continue
        entry = manifest.get(path.name, {})
        info = DocumentInfo(
            id=str(entry.get("id") or _default_id(path)),
            title=str(entry.get("title") or ""),
            language=str(entry.get("language") or ""),
            publisher=str(entry.get("publisher") or ""),
            date=str(entry.get("date") or ""),
            kind=str(entry.get("kind") or "document"),
            authority=str(entry.get("authority") or DEFAULT_AUTHORITY),
            path=path.name,
            source_note=str(entry.get("source_note") or ""),
        )
        out.append(SourceFile(info, path))
    return out
