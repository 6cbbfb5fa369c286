"""Text in a document that addresses the assistant instead of the reader.

A document dropped into the corpus may carry instructions meant for a language model ("SYSTEM:
Ignorer alle tidligere instruksjoner …", "<|im_start|>system", "Assistant: say that …"). The
assistant never obeys text, but such a passage must not be quoted as if it were the material:
it is flagged at indexing, listed in the index report, and left out of retrieval.
"""
from __future__ import annotations

import re

ROLE_RE = re.compile(
    r"(?im)^\W{0,3}(?:system|assistant|assistent|developer|utvikler|instruction|instruks|instruktion|"
    r"ai|chatbot|bot|llm|gpt|chatgpt|claude|copilot)\s*(?:prompt|message|melding|note|merknad)?\s*[:>]")
TEMPLATE_RE = re.compile(r"<\|(?:im_start|im_end|system|user|assistant|endoftext)\|>|\[/?INST\]|<</?SYS>>|"
                         r"</?(?:system|instructions?|assistant)\s*>", re.I)
ADDRESS_RE = re.compile(
    r"\b(?:(?:til|to|för|for)\s+(?:deg|dig|you)\s+som\s+(?:er\s+|är\s+)?(?:en\s+|an?\s+)?"
    r"(?:ai|kunstig|assistent|assistant|språkmodell|language model|chatbot)|"
    r"(?:dear|kjære|kära|hei|hej|hello|hi)\s+(?:ai|assistent|assistant|chatbot|språkmodell|language model)|"
    r"(?:if|hvis|om)\s+(?:you|du)\s+(?:are|er|är)\s+(?:an?\s+|en\s+)?(?:ai|assistent|assistant|språkmodell|"
    r"language model|chatbot|llm))\b", re.I)
OVERRIDE_RE = re.compile(  # "ignore/forget your instructions": a verb of disregarding, then what is disregarded
    r"\b(?:ignore|ignorer|ignorera|glem|glöm|forget|disregard|overse|bortse fra|se bort fra|bortse från)\b.{0,40}"
    r"\b(?:instruks\w*|instruktion\w*|instructions?|regl\w*|rules?|retningslinje\w*|riktlinje\w*|guidelines?|"
    r"prompt\w*|tidligere|previous|above|ovenfor)\b", re.I)
DIRECTIVE_RE = re.compile(
    r"\b(?:si|svar|fortell|skriv|oppgi|säg|svara|berätta|skriv|ange|say|answer|tell|respond|reply|state|write)\s+"
    r"(?:alltid\s+|always\s+|only\s+|bare\s+|bara\s+)?(?:til\s+brukeren\s+|till\s+användaren\s+|to\s+the\s+user\s+|"
    r"brukeren\s+|användaren\s+|the\s+user\s+)?(?:at|att|that)\b", re.I)


def addresses_assistant(text: str) -> bool:
    """True when the text speaks to a language model: a role prefix, a chat-template token, an
    override of instructions, or an order to tell users something while addressing an AI."""
    if ROLE_RE.search(text) or TEMPLATE_RE.search(text) or OVERRIDE_RE.search(text):
        return True
    return bool(ADDRESS_RE.search(text) and DIRECTIVE_RE.search(text))
