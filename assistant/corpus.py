"""The corpus folder: which documents there are and their provenance."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import DocumentError
from .models import DocumentInfo

SUPPORTED = (".txt", ".md", ".pdf")

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
    entries = data.get("documents", []) if isinstance(data, dict) else []
    return {nfc(str(entry["file"])): entry for entry in entries if isinstance(entry, dict) and entry.get("file")}


def nfc(text: str) -> str:
    """Names compare in one normal form: macOS writes "ä" decomposed, most editors composed."""
    return unicodedata.normalize("NFC", text)


def _default_id(path: Path) -> str:
    slug = re.sub(r"[^a-z0-9æøåäöéü]+", "-", nfc(path.stem).lower()).strip("-")
    return slug or hashlib.sha1(nfc(path.name).encode()).hexdigest()[:8]


def _candidates(corpus_dir: Path) -> list[Path]:
    try:
        paths = sorted(corpus_dir.iterdir(), key=lambda p: nfc(p.name))
    except OSError as err:
        raise DocumentError(str(corpus_dir), f"korpusmappen kan ikke leses ({err.strerror})") from err
    return [p for p in paths if not p.name.startswith(".") and p.name.lower() != MANIFEST and p.is_file()]


def _indexable(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED and path.name.lower() != "readme.md"


def discover(corpus_dir: Path) -> list[SourceFile]:
    """Every supported file in the corpus folder, with manifest metadata or defaults."""
    if not corpus_dir.is_dir():
        raise DocumentError(str(corpus_dir), "korpusmappen finnes ikke")
    manifest = load_manifest(corpus_dir)
    out = []
    taken: set[str] = set()
    for path in _candidates(corpus_dir):
        if not _indexable(path):
            continue
        entry = manifest.get(nfc(path.name), {})
        doc_id = nfc(str(entry.get("id") or _default_id(path)))
        base, n = doc_id, 2
        while doc_id in taken:  # "Rapport.md" and "rapport.txt": both documents, two ids
            doc_id, n = f"{base}-{n}", n + 1
        taken.add(doc_id)
        info = DocumentInfo(
            id=doc_id,
            title=nfc(str(entry.get("title") or "")),
            language=str(entry.get("language") or ""),
            publisher=str(entry.get("publisher") or ""),
            date=str(entry.get("date") or ""),
            kind=str(entry.get("kind") or "document"),
            authority=str(entry.get("authority") or DEFAULT_AUTHORITY),
            path=nfc(path.name),
            source_note=str(entry.get("source_note") or ""),
        )
        out.append(SourceFile(info, path))
    return out


MANIFEST_KEYS = {"file", "id", "title", "language", "publisher", "date", "kind", "authority", "source_note"}


def manifest_warnings(corpus_dir: Path, sources: list[SourceFile]) -> list[str]:
    """What in the manifest does not match the folder: entries whose file is gone (or was never
    there), entries for files that are not indexed, the same file or id twice, entries without
    a file, unknown keys; and documents that got a changed id because another had it."""
    path = corpus_dir / MANIFEST
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # load_manifest has already said so
    entries = data.get("documents", []) if isinstance(data, dict) else []
    if not isinstance(entries, list):
        return [f"{MANIFEST}: «documents» skal være en liste; manifestet brukes ikke."]
    present = {nfc(p.name): p for p in _candidates(corpus_dir)}
    indexed = {s.info.path for s in sources}
    warnings: list[str] = []
    seen_files: set[str] = set()
    seen_ids: dict[str, str] = {}
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not entry.get("file"):
            warnings.append(f"{MANIFEST}: oppføring {i} mangler «file» og brukes ikke.")
            continue
        name = nfc(str(entry["file"]))
        label = f"{MANIFEST}: oppføringen for «{name}»"
        if name in seen_files:
            warnings.append(f"{label} står flere ganger; bare den siste brukes.")
        seen_files.add(name)
        unknown = sorted(set(map(str, entry)) - MANIFEST_KEYS)
        if unknown:
            warnings.append(f"{label} har ukjente felt ({', '.join(unknown)}) som ikke brukes.")
        if name not in present:
            folded = {n.lower(): n for n in present}
            hint = f" (mente du «{folded[name.lower()]}»?)" if name.lower() in folded else ""
            warnings.append(f"{label} viser til en fil som ikke finnes i korpusmappen{hint}; "
                            "fjern oppføringen eller legg filen tilbake.")
        elif name not in indexed:
            warnings.append(f"{label} viser til en fil som ikke indekseres (bruk .txt, .md eller .pdf).")
        if entry.get("id"):
            doc_id = nfc(str(entry["id"]))
            if doc_id in seen_ids and seen_ids[doc_id] != name:
                warnings.append(f"{label} har samme id ({doc_id}) som «{seen_ids[doc_id]}».")
            seen_ids[doc_id] = name
    for name, file in present.items():
        if not _indexable(file) and name.lower() != "readme.md":
            warnings.append(f"Filen «{name}» indekseres ikke: filtypen {file.suffix or '(ingen)'} støttes ikke "
                            "(bruk .txt, .md eller .pdf).")
    manifest = load_manifest(corpus_dir)
    for s in sources:
        entry = manifest.get(s.info.path, {})
        wanted = nfc(str(entry.get("id") or _default_id(s.path)))
        if wanted != s.info.id:
            warnings.append(f"Filen «{s.info.path}» fikk id «{s.info.id}» fordi et annet dokument har «{wanted}».")
    return warnings
