"""The language model settings (ASSISTANT_LLM…), the backends and the versioned prompts; no model is called."""
from __future__ import annotations

import logging

import pytest

from assistant.config import Config, LLMSettings
from assistant.generation.backends import chat_model, describe
from assistant.generation.prompts import prompt_set
from assistant.models import Answer

SECRET = "sk-test-not-a-real-key-1234567890"


def test_default_is_extractive_and_offline():
    config = Config.from_env(env={})
    assert config.llm.backend == "none" and not config.llm.enabled
    assert Answer(answer="x").mode == "extractive"


def test_settings_from_environment_and_the_key_is_never_shown():
    config = Config.from_env(env={"ASSISTANT_LLM": "OpenAI", "ASSISTANT_LLM_BASE_URL": "http://127.0.0.1:9/v1",
                                  "ASSISTANT_LLM_MODEL": "m", "ASSISTANT_LLM_API_KEY": SECRET,
                                  "ASSISTANT_LLM_TIMEOUT": "2.5", "ASSISTANT_LLM_RETRIES": "0",
                                  "ASSISTANT_LLM_UNSUPPORTED": "mark"})
    llm = config.llm
    assert (llm.backend, llm.base_url, llm.model, llm.timeout, llm.retries, llm.unsupported) == \
        ("openai", "http://127.0.0.1:9/v1", "m", 2.5, 0, "mark")
    assert llm.api_key == SECRET
    assert SECRET not in repr(config) and SECRET not in str(config) and SECRET not in describe(llm)
    model = chat_model(llm)
    assert SECRET not in repr(model)


@pytest.mark.parametrize("env", [{"ASSISTANT_LLM": "gpt"}, {"ASSISTANT_LLM_UNSUPPORTED": "hide"}])
def test_bad_values_are_refused(env):
    with pytest.raises(ValueError):
        Config.from_env(env=env)


def test_backends_build_without_a_server():
    ollama = chat_model(LLMSettings(backend="ollama", model="qwen", base_url="http://127.0.0.1:9"))
    assert type(ollama).__name__ == "ChatOllama"
    openai = chat_model(LLMSettings(backend="openai", base_url="http://127.0.0.1:9/v1", timeout=3, retries=2))
    assert type(openai).__name__ == "ChatOpenAI" and openai.max_retries == 0  # retries are ours


def test_failed_model_logs_no_key(caplog):
    from assistant.generation.answerer import GenerativeAnswerer

    class Embedder:
        name = "none"

    settings = LLMSettings(backend="openai", base_url="http://127.0.0.1:9/v1", api_key=SECRET, timeout=1, retries=0)
    writer = GenerativeAnswerer(settings, Embedder(), guard=object())
    with caplog.at_level(logging.DEBUG):
        assert writer.condense("Hvor ofte?", [], "nb") == ""
    assert SECRET not in caplog.text


@pytest.mark.parametrize("lang,word", [("nb", "bokmål"), ("sv", "svenska"), ("en", "English")])
def test_prompts_per_language(lang, word):
    prompts = prompt_set(lang)
    assert prompts.version == f"v1/{lang}"
    messages = prompts.answer.format_messages(passages="[1] Tittel:\nTekst {med klammer}", question="Q?")
    text = "\n".join(str(m.content) for m in messages)
    assert word in text and "[1]" in text and "{med klammer}" in text and "Q?" in text
    assert set(prompts.condense.input_variables) == {"history", "question"}
