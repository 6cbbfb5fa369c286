"""Conversation routes under /api, for intranet clients that keep the chat themselves: list,
store, get, rename and delete, each scoped to the signed-in user (see auth.py)."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from ..conversations import Conversation, Conversations, ConversationSummary
from .auth import name_of, owner_of

router = APIRouter(prefix="/api", tags=["conversations"])


class Turn(BaseModel):
    question: str = Field(max_length=10_000)
    answer: dict | None = Field(default=None, description="the Answer as /api/ask returned it")


class NewConversation(BaseModel):
    title: str | None = Field(default=None, max_length=120, description="defaults to the first question")
    items: list[Turn] = Field(default_factory=list, max_length=200)


class ConversationUpdate(BaseModel):
    title: str | None = Field(default=None, max_length=120)
    items: list[Turn] | None = Field(default=None, max_length=200)


def store_of(request: Request) -> Conversations:
    state = request.app.state
    if getattr(state, "conversations", None) is None:
        state.conversations = Conversations(state.config)
    return state.conversations


@router.get("/conversations", response_model=list[ConversationSummary], summary="The user's conversations")
def list_conversations(request: Request) -> list[ConversationSummary]:
    return store_of(request).list(owner_of(request))


@router.post("/conversations", response_model=Conversation, status_code=201, summary="Store a conversation")
def create_conversation(body: NewConversation, request: Request) -> Conversation:
    return store_of(request).create(name_of(request), [t.model_dump() for t in body.items], body.title)


@router.get("/conversations/{conversation_id}", response_model=Conversation, summary="One conversation")
def get_conversation(conversation_id: str, request: Request) -> Conversation:
    return store_of(request).get(conversation_id, owner_of(request))


@router.patch("/conversations/{conversation_id}", response_model=Conversation, summary="Rename or replace turns")
def update_conversation(conversation_id: str, body: ConversationUpdate, request: Request) -> Conversation:
    store, owner = store_of(request), owner_of(request)
    conv = store.get(conversation_id, owner)
    if body.items is not None:
        conv = store.save(conversation_id, [t.model_dump() for t in body.items], owner)
    if body.title is not None:
        conv = store.rename(conversation_id, body.title, owner)
    return conv


@router.delete("/conversations/{conversation_id}", status_code=204, summary="Delete a conversation")
def delete_conversation(conversation_id: str, request: Request) -> Response:
    store_of(request).delete(conversation_id, owner_of(request))
    return Response(status_code=204)
