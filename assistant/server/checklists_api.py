"""Checklist routes under /api: list, start a session, get it, update an item, explain an item,
and the readiness report as Markdown or Word. Thin over `ChecklistService`."""
from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ..checklists.models import ItemState, Progress, Session, SessionSummary
from ..checklists.models import Checklist as ChecklistModel
from ..checklists.service import ChecklistService
from ..models import Answer
from .auth import name_of, owner_of

router = APIRouter(prefix="/api", tags=["checklists"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ChecklistInfo(BaseModel):
    id: str
    title: str
    description: str = ""
    document: str = ""
    items: int


class StartSession(BaseModel):
    name: str | None = Field(default=None, max_length=200, description="Defaults to the checklist title and date.")
    created_by: str = Field(default="", max_length=200)


class SessionView(BaseModel):
    session: Session
    progress: Progress
    progress_label: str
    resume_index: int = Field(description="0-based index of the first unanswered item")


class ItemUpdate(BaseModel):
    """None leaves a field as it is; an empty string clears it."""

    status: str | None = Field(default=None, description="ja, delvis, nei or ikke relevant (j/d/n/i accepted)")
    note: str | None = Field(default=None, max_length=5000)
    owner: str | None = Field(default=None, max_length=200)
    due: date | Literal[""] | None = None
    updated_by: str = Field(default="", max_length=200)


def service_of(request: Request) -> ChecklistService:
    """One service per app, sharing the app's Assistant for "Forklar"."""
    state = request.app.state
    if getattr(state, "checklists", None) is None:
        state.checklists = ChecklistService(state.config)
    return state.checklists


def _view(svc: ChecklistService, session_id: str, request: Request | None = None) -> SessionView:
    session = svc.check_access(session_id, owner_of(request))
    progress = svc.progress(session.id)
    return SessionView(session=session, progress=progress, progress_label=progress.label,
                       resume_index=svc.resume_index(session.id))


@router.get("/checklists", response_model=list[ChecklistInfo], summary="The checklists")
def list_checklists(request: Request) -> list[ChecklistInfo]:
    return [ChecklistInfo(id=c.id, title=c.title, description=c.description, document=c.document, items=len(c.items))
            for c in service_of(request).list_checklists()]


@router.get("/checklists/{checklist_id}", response_model=ChecklistModel, summary="One checklist with its items")
def get_checklist(checklist_id: str, request: Request) -> ChecklistModel:
    return service_of(request).get_checklist(checklist_id)


@router.get("/checklists/{checklist_id}/sessions", response_model=list[SessionSummary], summary="Sessions to resume")
def list_sessions(checklist_id: str, request: Request) -> list[SessionSummary]:
    svc = service_of(request)
    svc.get_checklist(checklist_id)
    return svc.list_sessions(checklist_id, owner=owner_of(request))


@router.post("/checklists/{checklist_id}/sessions", response_model=SessionView, status_code=201,
             summary="Start a walkthrough session")
def start_session(checklist_id: str, body: StartSession, request: Request) -> SessionView:
    svc = service_of(request)
    session = svc.start_session(checklist_id, body.name, created_by=name_of(request) or body.created_by)
    return _view(svc, session.id, request)


@router.post("/checklists/{checklist_id}/items/{item_id}/explain", response_model=Answer,
             summary="Forklar: why the item matters, answered from the corpus with citations")
def explain_item(checklist_id: str, item_id: str, request: Request) -> Answer:
    svc = service_of(request)
    return svc.explain(svc.get_item(checklist_id, item_id), request.app.state.assistants.get())


@router.get("/sessions/{session_id}", response_model=SessionView, summary="A session with its progress")
def get_session(session_id: str, request: Request) -> SessionView:
    return _view(service_of(request), session_id, request)


@router.patch("/sessions/{session_id}/items/{item_id}", response_model=ItemState, summary="Record status/note for an item")
def update_item(session_id: str, item_id: str, body: ItemUpdate, request: Request) -> ItemState:
    due = body.due.isoformat() if isinstance(body.due, date) else body.due
    svc = service_of(request)
    session = svc.check_access(session_id, owner_of(request))
    return svc.update_item(session.id, item_id, status=body.status, note=body.note,
                           owner=body.owner, due=due, updated_by=name_of(request) or body.updated_by)


@router.get("/sessions/{session_id}/report", summary="Readiness report (md, docx or pdf)",
            responses={200: {"content": {"text/markdown": {}, DOCX: {}, "application/pdf": {}}}})
def report(session_id: str, request: Request, format: Literal["md", "docx", "pdf"] = "md") -> Response:
    from ..checklists.report import file_stem

    svc = service_of(request)
    session = svc.check_access(session_id, owner_of(request))
    data = svc.report(session.id, format)
    filename = f"{file_stem(session)}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "docx":
        return Response(data, media_type=DOCX, headers=headers)
    if format == "pdf":
        return Response(data, media_type="application/pdf", headers=headers)
    return Response(data, media_type="text/markdown; charset=utf-8", headers=headers)
