"""Chat model backends (LangChain): any OpenAI-compatible server, or Ollama.

The key is handed to the client as a secret and never logged: `LLMSettings` keeps it out of its
repr, and `describe` names only the backend, model and server.
"""
from __future__ import annotations

from langchain_core.language_models.chat_models import BaseChatModel
from pydantic import SecretStr

from ..config import LLMSettings
from ..errors import BackendError

MAX_ANSWER_TOKENS = 512  # a short answer; also bounds a model that would stream on without end
NO_KEY = "not-needed"  # local servers (llama.cpp, vLLM, LM Studio) take any key


def chat_model(settings: LLMSettings) -> BaseChatModel:
    """The configured chat model, deterministic (temperature 0). Retries are ours (`GenerativeAnswerer`),
    so that a stream that has begun is never silently restarted."""
    if settings.backend == "openai":
        from langchain_openai import ChatOpenAI

        if not settings.base_url and not settings.api_key:
            raise BackendError("ASSISTANT_LLM=openai trenger ASSISTANT_LLM_BASE_URL (eller en nøkkel til OpenAI).")
        return ChatOpenAI(model=settings.model or "default", base_url=settings.base_url or None,
                          api_key=SecretStr(settings.api_key or NO_KEY), timeout=settings.timeout, max_retries=0,
                          temperature=0, max_completion_tokens=MAX_ANSWER_TOKENS, streaming=True)
    if settings.backend == "ollama":
        from langchain_ollama import ChatOllama

        if not settings.model:
            raise BackendError("ASSISTANT_LLM=ollama trenger ASSISTANT_LLM_MODEL.")
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        return ChatOllama(model=settings.model, base_url=settings.base_url or None, temperature=0,
                          num_predict=MAX_ANSWER_TOKENS,
                          client_kwargs={"timeout": settings.timeout, "headers": headers})
    raise BackendError(f"Ukjent språkmodell-backend «{settings.backend}».")


def describe(settings: LLMSettings) -> str:
    """What a log line may say about the backend: never the key."""
    return f"{settings.backend}:{settings.model or '-'}@{settings.base_url or 'default'}"
