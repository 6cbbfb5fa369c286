"""End to end in headless Debian chromium (Playwright for Python, never `playwright install`).

Asks a question, sees the streamed answer with a citation, opens the source panel, gives a
thumbs-up with a comment, walks two checklist items, checks that a script-injection question is
shown as text, and does the same through the embeddable widget. Screenshots land in
test-output/server/ for a reviewer.
"""
from __future__ import annotations

from urllib.parse import urlparse

import pytest
from server_helpers import CHROMIUM, QUESTION

from assistant.feedback import FeedbackStore

INJECTION = "<script>alert(1)</script> <img src=x onerror=alert(2)>"
FOLLOW_UP = "Hvorfor er det viktig?"  # points back to the first question

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (/usr/bin/chromium); "
                       "install the packages chromium and chromium-driver"),
]


@pytest.fixture
def page(browser, live_server):
    """A page that records dialogs (an executed alert) and requests leaving the server."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO")
    pg = context.new_page()
    pg.dialogs, pg.external = [], []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1", None)
          and urlparse(r.url).scheme in ("http", "https") and pg.external.append(r.url))
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def test_chat_citation_feedback_and_checklist(page, live_server, live_home, output_dir):
    from assistant.config import Config

    page.goto(live_server.url + "/")
    page.wait_for_selector("#question textarea")

    # Ask; the answer streams into the chat and carries numbered, clickable citations.
    page.fill("#question textarea", QUESTION)
    page.press("#question textarea", "Enter")
    cite = page.locator('#chat a[href*="#kilde-0-1"]').first
    cite.wait_for()
    bot = page.locator('#chat [data-testid="bot"]').last
    assert "[1]" in bot.inner_text()
    page.screenshot(path=str(output_dir / "01-chat-answer.png"))

    # The source panel: title, authority, section, passage with the cited sentence marked.
    cite.click()
    page.wait_for_selector("#source-panel .source-title")
    panel = page.locator("#source-panel")
    assert panel.locator(".source-title").inner_text().startswith("[1] ")
    assert "Status:" in panel.locator(".source-meta").inner_text()
    assert panel.locator("mark").count() >= 1
    page.screenshot(path=str(output_dir / "02-source-panel.png"))

    # Thumbs up with a comment, stored with question, answer and citations.
    # Gradio's own button labels are relabelled in the UI language ("Nyttig svar").
    page.locator('#chat button[data-assistant-label="like"]').last.click()
    page.wait_for_selector("#comment textarea", state="visible")
    page.fill("#comment textarea", "Godt svar med kilde")
    page.click("#comment-send")
    page.wait_for_function("document.querySelector('#feedback-status').innerText.includes('lagret')")
    rows = list(FeedbackStore(live_home / "feedback.sqlite3").rows())
    assert rows and rows[-1]["rating"] == 1 and rows[-1]["question"] == QUESTION
    assert rows[-1]["comment"] == "Godt svar med kilde" and rows[-1]["citations"][0]["n"] == 1

    # A follow-up: once the answer is complete, the search query that was used is shown above it.
    page.fill("#question textarea", FOLLOW_UP)
    page.press("#question textarea", "Enter")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length >= 2 && "
                           "document.querySelectorAll('#chat [data-testid=\"bot\"]')[1].innerText.includes('Søkte etter')")

    # A script-injection question is shown as text and runs nothing.
    page.fill("#question textarea", INJECTION)
    page.press("#question textarea", "Enter")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length >= 3 && "
                           "document.querySelectorAll('#chat [data-testid=\"bot\"]')[2].innerText.trim().length > 20")
    user = page.locator('#chat [data-testid="user"]').last
    assert INJECTION in user.inner_text()
    assert page.locator('#chat img[src="x"]').count() == 0 and page.locator("#chat script").count() == 0
    page.screenshot(path=str(output_dir / "03-injection-as-text.png"))

    # Walk two checklist items and see the progress bar move.
    page.get_by_role("tab", name="Sjekklister").click()
    page.locator("#checklist-pick input").click()
    page.get_by_role("option").first.click()
    page.fill("#session-name input, #session-name textarea", "Nettlesertest")
    page.click("#session-start")
    page.wait_for_selector("#checklist-item .cl-text")
    total = page.locator("#checklist-progress .cl-progress").get_attribute("aria-valuemax")
    page.locator("#item-status").get_by_label("Ja", exact=True).check()
    page.fill("#item-note textarea", "Avklart i styringsgruppen")
    page.click("#item-save")
    page.wait_for_selector('#checklist-progress [aria-valuenow="1"]')
    page.locator("#item-status").get_by_label("Delvis", exact=True).check()
    page.click("#item-save")
    page.wait_for_selector('#checklist-progress [aria-valuenow="2"]')
    assert f"2 av {total} besvart" in page.inner_text("#checklist-progress")
    page.wait_for_selector("#checklist-item >> text=Punkt 3 av")  # the item panel updates just after the bar
    # «Forklar» quotes the guide around the item, not the item, with [n] that open the passage.
    item_text = page.locator("#checklist-item .cl-text").inner_text().strip()
    page.click("#item-explain")
    page.wait_for_function("document.querySelector('#item-explanation').innerText.trim().length > 0")
    explanation = page.locator("#item-explanation")
    assert item_text not in explanation.inner_text()
    explanation.locator(".cite-btn").first.click()
    opened = explanation.locator("details[open]")
    opened.wait_for()
    assert opened.locator("mark").count() >= 1 and opened.locator("summary").inner_text().startswith("[1] ")
    # Edits are kept without "Lagre": a status is saved when picked, a note when leaving the
    # field or the item by "← Forrige"; any item can be reached from the overview list.
    from assistant.checklists.service import ChecklistService

    svc = ChecklistService(Config(home=live_home))
    sid = max(svc.list_sessions(), key=lambda s: s.updated_at).id
    items = svc.get_checklist(svc.get_session(sid).checklist_id).items
    page.locator("#item-status").get_by_label("Nei", exact=True).check()
    page.wait_for_selector('#checklist-progress [aria-valuenow="3"]')
    assert "lagret" in page.inner_text("#item-saved")
    assert svc.get_session(sid).state(items[2].id).status == "nei"
    page.fill("#item-note textarea", "Må avklares med NHO")
    page.fill("#item-owner input, #item-owner textarea", "Kari")
    page.fill("#item-due input, #item-due textarea", "2026-03-31")
    page.click("#item-prev")
    page.wait_for_function("document.querySelector('#checklist-item').innerText.includes('Punkt 2 av')")
    import time

    deadline = time.monotonic() + 15  # the field's own save (on leaving it) may land just after the view moved
    while (state := svc.get_session(sid).state(items[2].id)).owner != "Kari" or not state.due:
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    assert state.note == "Må avklares med NHO" and state.owner == "Kari" and str(state.due) == "2026-03-31"
    page.locator("#item-jump input").click()
    options = page.get_by_role("option")
    assert options.count() == len(items) and "Ubesvart" in options.nth(3).inner_text()
    assert "Nei" in options.nth(2).inner_text()
    options.nth(2).click()
    page.wait_for_function("document.querySelector('#checklist-item').innerText.includes('Punkt 3 av')")
    try:
        page.wait_for_function("document.querySelector('#item-note textarea').value === 'Må avklares med NHO'", timeout=5000)
    except Exception:
        print("DEBUG", svc.get_session(sid).states, page.input_value("#item-note textarea"), page.inner_text("#item-saved"))
        raise
    assert page.input_value("#item-owner input, #item-owner textarea") == "Kari"
    page.locator("#item-overview-box button").first.click()
    overview = page.locator("#item-overview")
    overview.locator("li").first.wait_for()
    assert overview.locator("li").count() == len(items)
    assert overview.locator(".cl-ov-open").count() == len(items) - 3
    assert overview.locator('[aria-current="step"]').inner_text().endswith(items[2].label)

    # The report, in the format chosen (Word unless another is picked), named after the session.
    page.click("#report-make")
    page.wait_for_function("document.querySelector('#report-download') && "
                           "document.querySelector('#report-download').innerText.includes('nettlesertest-')")
    assert page.inner_text("#report-download").strip() == "Last ned nettlesertest-oppstart.docx"
    page.screenshot(path=str(output_dir / "04-checklist.png"), full_page=True)

    page.get_by_role("tab", name="Kilder").click()
    page.wait_for_selector("#documents-table table")
    page.screenshot(path=str(output_dir / "05-sources.png"))

    # The Sources tab searches the passages; a result opens at its place in its document.
    page.fill("#source-search input, #source-search textarea", "private investeringer")
    page.press("#source-search input, #source-search textarea", "Enter")
    page.locator("#source-results li mark").first.wait_for()
    page.locator("#source-results a.open-doc").first.click()
    page.locator("#document-view details[open] .focus").wait_for()
    assert "investering" in page.locator("#document-view .focus").inner_text().lower()
    page.screenshot(path=str(output_dir / "05b-sources-search.png"))

    # From a citation in the chat: «Åpne stedet i dokumentet» opens the cited passage there.
    page.get_by_role("tab", name="Samtale").click()
    page.locator('#chat a[href*="#kilde-0-1"]').first.click()
    page.locator("#source-panel a.open-doc").wait_for()
    quoted = page.locator("#source-panel mark").first.inner_text()
    page.locator("#source-panel a.open-doc").click()
    page.wait_for_function("(q) => { const f = document.querySelector('#document-view .focus'); "
                           "return f && f.innerText.includes(q); }", arg=quoted[:40])
    assert page.get_by_role("tab", name="Kilder").get_attribute("aria-selected") == "true"

    assert page.dialogs == []
    assert page.external == [], f"the UI tried to reach the internet: {page.external}"

    # A note typed but not yet saved (the field not left): leaving the page asks first; once the
    # field is left (and so saved) it does not.
    leaving = "() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; }"
    page.get_by_role("tab", name="Sjekklister").click()
    page.locator("#item-note textarea").click()
    page.keyboard.type(" og LO")
    assert page.evaluate(leaving) is True
    page.locator("#item-owner input, #item-owner textarea").click()
    assert page.evaluate(leaving) is False


def test_widget(page, live_server, output_dir):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + "/widget")
    box = page.locator("[data-assistant-widget] input")
    box.fill(QUESTION)
    box.press("Enter")
    page.locator("[data-assistant-widget] .cite").first.wait_for()
    # «Kopier med kilder»: clean text with [n] and a plain source list, as in the chat.
    page.locator("[data-assistant-widget] button.copy").first.click()
    page.wait_for_function("() => document.querySelector('[data-assistant-widget]').shadowRoot"
                           ".querySelector('button.copy').textContent === 'Kopiert.'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "[1]" in copied and "\n\nKilder:\n[1] " in copied and "<" not in copied
    page.locator("[data-assistant-widget] .cite").first.click()
    panel = page.locator("[data-assistant-widget] .panel")
    panel.locator("h4").wait_for()
    assert panel.locator("h4").inner_text().startswith("[1] ")
    assert panel.locator("mark").count() >= 1

    box.fill(INJECTION)
    box.press("Enter")
    page.locator("[data-assistant-widget] .msg.user").nth(1).wait_for()
    page.wait_for_function("() => document.querySelector('[data-assistant-widget]').shadowRoot"
                           ".querySelectorAll('.rate').length >= 2")
    assert page.locator("[data-assistant-widget] .msg.user").nth(1).inner_text() == INJECTION
    assert page.locator('[data-assistant-widget] img[src="x"]').count() == 0
    page.screenshot(path=str(output_dir / "06-widget.png"))
    assert page.dialogs == []
    assert page.external == []
