"""Written answers from a configured language model, every sentence guarded by its citation.

    backends.py     LangChain chat models: OpenAI-compatible servers, Ollama
    prompts.py      versioned prompts per language (prompts/generation/<version>/<lang>.yaml)
    streaming.py    tokens cut into sentences as they complete
    guard.py        the citation guard (closeness, numbers, names, negation)
    calibration.py  its threshold, from hand-labelled pairs (evals/guard/pairs.yaml)
    answerer.py     GenerativeAnswerer: prompt, stream, guard, renumber, or fall back to the quotes

Imported only when ASSISTANT_LLM is set (LangChain's OpenAI client is not loaded otherwise).
"""
from .answerer import GenerativeAnswerer, GenerationError
from .guard import CitationGuard

__all__ = ["CitationGuard", "GenerationError", "GenerativeAnswerer"]
