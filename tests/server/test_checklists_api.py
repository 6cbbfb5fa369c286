"""Checklist routes: list, start, get, update item, explain, report."""
from __future__ import annotations

import io


def first_checklist(client) -> dict:
    r = client.get("/api/checklists")
    assert r.status_code == 200 and r.json()
    return r.json()[0]


def test_walk_a_checklist_over_http(client):
    info = first_checklist(client)
    checklist = client.get(f"/api/checklists/{info['id']}").json()
    assert len(checklist["items"]) == info["items"]
    r = client.post(f"/api/checklists/{info['id']}/sessions", json={"name": "Næringsplan 2026"})
    assert r.status_code == 201
    view = r.json()
    sid = view["session"]["id"]
    assert view["progress"] == {"answered": 0, "total": info["items"]} and view["resume_index"] == 0

    first, second = checklist["items"][0]["id"], checklist["items"][1]["id"]
    r = client.patch(f"/api/sessions/{sid}/items/{first}", json={"status": "ja", "note": "Avklart i styringsgruppen"})
    assert r.status_code == 200 and r.json()["status"] == "ja"
    client.patch(f"/api/sessions/{sid}/items/{second}", json={"status": "d"})
    view = client.get(f"/api/sessions/{sid}").json()
    assert view["progress"]["answered"] == 2 and view["resume_index"] == 2
    assert view["session"]["states"][second]["status"] == "delvis"
    assert view["progress_label"] == f"2 av {info['items']}"

    sessions = client.get(f"/api/checklists/{info['id']}/sessions").json()
    assert [s["id"] for s in sessions] == [sid]

    md = client.get(f"/api/sessions/{sid}/report")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "Avklart i styringsgruppen" in md.text
    docx = client.get(f"/api/sessions/{sid}/report", params={"format": "docx"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    import docx as python_docx

    text = "\n".join(p.text for p in python_docx.Document(io.BytesIO(docx.content)).paragraphs)
    assert text.strip()
    pdf = client.get(f"/api/sessions/{sid}/report", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    name = client.get(f"/api/sessions/{sid}").json()["session"]["name"]
    assert 'filename="' in pdf.headers["content-disposition"] and pdf.headers["content-disposition"].endswith(
        f'-{info["id"]}.pdf"') and name


def test_checklist_errors(client):
    info = first_checklist(client)
    assert client.get("/api/checklists/finnes-ikke").status_code == 404
    assert client.get("/api/sessions/finnes-ikke").status_code == 404
    sid = client.post(f"/api/checklists/{info['id']}/sessions", json={}).json()["session"]["id"]
    bad = client.patch(f"/api/sessions/{sid}/items/finnes-ikke", json={"status": "ja"})
    assert bad.status_code == 404 and bad.json()["type"] == "NotFoundError"
    item = client.get(f"/api/checklists/{info['id']}").json()["items"][0]["id"]
    r = client.patch(f"/api/sessions/{sid}/items/{item}", json={"status": "kanskje"})
    assert r.status_code == 422 and "Ugyldig status" in r.json()["error"]
    assert client.get(f"/api/sessions/{sid}/report", params={"format": "odt"}).status_code == 422


def test_explain_item_is_a_cited_answer(client):
    info = first_checklist(client)
    item = client.get(f"/api/checklists/{info['id']}").json()["items"][0]["id"]
    r = client.post(f"/api/checklists/{info['id']}/items/{item}/explain")
    assert r.status_code == 200
    body = r.json()
    assert body["answer"] and (body["citations"] or body["refused"])
