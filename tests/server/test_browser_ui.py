"""Issue 19 in a real browser: universal design (axe-core, WCAG 2.1 AA) in every UI language and
theme, labels and `lang` in the UI language, keyboard use, clean copy, the search line, a
narrow screen, and the widget on another origin.

Screenshots: test-output/server/ui-{lang}-{light|dark}-{desktop|390}-{chat|checklist|sources}.png
"""
from __future__ import annotations

import http.server
import logging
import threading

import pytest
from server_helpers import AXE, CHROMIUM, QUESTION, free_port

from assistant.server.text import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (/usr/bin/chromium)"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed: npm install --prefix tests/server/js"),
]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on the page once it is still
    (Gradio fades updated components in: half-faded text would count as low contrast)."""
    page.wait_for_function("() => !document.querySelector('.pending, .generating')")
    page.wait_for_timeout(600)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
          .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""", WCAG)
    return found


def close_notices(page) -> None:
    """Close every notice with its own (labelled) close button."""
    page.evaluate("document.querySelectorAll('[data-testid=\"toast-close\"]').forEach(b => b.click())")
    page.wait_for_timeout(300)


def ask(page, question: str) -> None:
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")


@pytest.fixture
def context_for(browser):
    made = []

    def make(scheme: str = "light", width: int = 1280, height: int = 900):
        # A Norwegian browser throughout: the UI language, not the browser's, must decide.
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="nb-NO", color_scheme=scheme)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", ["nb", "sv", "en"])
def test_universal_design(context_for, live_server, output_dir, lang, scheme):
    ctx = context_for(scheme)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{live_server.url}/?lang={lang}")
    page.wait_for_selector("#question textarea")
    page.wait_for_function("(lang) => document.documentElement.lang === lang", arg=lang)
    shot = f"ui-{lang}-{scheme}"

    # The question box is named in the UI language; an empty question is refused in it too.
    box = page.get_by_role("textbox", name=t("question", lang))
    assert box.count() == 1
    box.focus()
    page.keyboard.press("Enter")
    toast = page.locator(".toast-body").first
    toast.wait_for()
    page.wait_for_function("(title) => document.querySelector('.toast-title').innerText.trim() === title",
                           arg=t("warning", lang))
    assert t("warning", lang) in toast.inner_text() and t("error_empty", lang) in toast.inner_text()
    if lang != "nb":
        assert "Spørsmålet" not in toast.inner_text()
    assert axe_violations(page) == []
    close_notices(page)  # closable, labelled; keeps the screenshots clear

    # Keyboard only: type, Enter, then Tab to a citation and open it with Enter.
    box.fill(QUESTION)
    page.keyboard.press("Enter")
    cite = page.locator('#chat a[href*="#kilde-0-1"]').first
    cite.wait_for()
    page.locator('#chat a[href*="#kopier-0"]').wait_for()
    cite.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#source-panel mark")
    assert page.locator("#source-panel .source-title").inner_text().startswith("[1] ")

    # Gradio's own buttons carry labels in the UI language.
    labels = page.evaluate("Array.from(document.querySelectorAll('#chat button[aria-label]')).map(b => b.getAttribute('aria-label'))")
    for key in ("copy", "like", "dislike"):
        assert t(key, lang) in labels, (key, labels)
    assert not {"Copy message", "Like", "Dislike"} & set(labels)
    assert page.locator('#chat [role="log"]').get_attribute("aria-label") == t("conversation", lang)

    # Contrast, names, roles: light and dark, highlighted sentence included.
    assert axe_violations(page) == [], "axe-core found serious or critical WCAG 2.1 AA violations"
    mark = page.evaluate("getComputedStyle(document.querySelector('#source-panel mark')).color")
    assert mark == "rgb(17, 24, 39)"  # dark text on the yellow highlight in both themes
    page.screenshot(path=str(output_dir / f"{shot}-desktop-chat.png"))

    # Copy: clean text with [n] and a plain source list, from the icon and from "copy with sources".
    page.locator('#chat button[data-assistant-label="copy"]').last.click()
    page.wait_for_function("document.querySelector('#feedback-status').getAttribute('data-copied') === '1'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "[1]" in copied and "\\" not in copied and "#kilde" not in copied and "**" not in copied
    assert f"\n\n{t('sources', lang)}:\n[1] " in copied
    page.evaluate("navigator.clipboard.writeText('')")
    page.locator('#chat a[href*="#kopier-0"]').click()
    page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)")
    assert page.evaluate("navigator.clipboard.readText()") == copied

    # The search line is not shown when the answer was searched with the question itself.
    assert t("search_query", lang) not in page.locator('#chat [data-testid="bot"]').last.inner_text()

    # Checklists and sources tabs.
    page.get_by_role("tab", name=t("tab_checklists", lang)).click()
    page.locator("#checklist-pick input").click()
    page.get_by_role("option").first.click()
    page.click("#session-start")
    page.wait_for_selector("#checklist-item .cl-text")
    assert axe_violations(page) == []
    page.screenshot(path=str(output_dir / f"{shot}-desktop-checklist.png"), full_page=True)
    # A checklist error (a due date that is not a date) is told in the UI language too.
    page.fill("#item-due input, #item-due textarea", "snart")
    page.locator("#item-owner input, #item-owner textarea").click()
    due_error = t("error_due", lang).format(value="snart")
    page.wait_for_function("(msg) => Array.from(document.querySelectorAll('.toast-body')).some(t => t.innerText.includes(msg))",
                           arg=due_error)
    close_notices(page)
    page.fill("#item-due input, #item-due textarea", "")
    page.get_by_role("tab", name=t("tab_sources", lang)).click()
    page.wait_for_selector("#documents-table table")
    assert axe_violations(page) == []
    page.screenshot(path=str(output_dir / f"{shot}-desktop-sources.png"))

    # 390 px: nothing wider than the screen; the source panel comes into view after tapping [1].
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("tab", name=t("tab_chat", lang)).click()
    page.locator('#chat a[href*="#kilde-0-1"]').first.click()
    page.wait_for_timeout(800)
    top = page.evaluate("document.querySelector('#source-panel').getBoundingClientRect().top")
    assert 0 <= top < 844, "the source panel is not on screen after tapping [1]"
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    page.screenshot(path=str(output_dir / f"{shot}-390-chat.png"))
    page.get_by_role("tab", name=t("tab_checklists", lang)).click()
    page.wait_for_selector("#checklist-item .cl-text")
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    page.screenshot(path=str(output_dir / f"{shot}-390-checklist.png"), full_page=True)


class _Page(http.server.BaseHTTPRequestHandler):
    html = b""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, *args):
        pass


def test_widget_on_another_origin_names_the_setting(context_for, live_server, output_dir, caplog):
    """An intranet page on another origin, not in ASSISTANT_CORS_ORIGINS: the widget says so
    and names the setting, at 390 px it fits the screen, and the server logs the origin once."""
    port = free_port()
    handler = type("IntranetPage", (_Page,), {"html": (
        '<!doctype html><html lang="nb"><head><meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>Intranett</title></head><body><h1>Intranett</h1><script src="{live_server.url}/widget.js" '
        'data-lang="nb"></script></body></html>').encode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = context_for("light", 390, 844).new_page()
        page.set_default_timeout(60_000)
        caplog.set_level(logging.WARNING, logger="assistant.server")
        page.goto(f"http://127.0.0.1:{port}/")
        page.locator("[data-assistant-widget] .launcher").click()
        box = page.locator("[data-assistant-widget] .floating")
        box.wait_for()
        rect = box.bounding_box()
        assert rect["x"] >= 0 and rect["x"] + rect["width"] <= 390, rect
        for question in (QUESTION, "Hva er smart spesialisering?"):
            page.locator("[data-assistant-widget] input").fill(question)
            page.locator("[data-assistant-widget] input").press("Enter")
        page.locator("[data-assistant-widget] .err").nth(1).wait_for()
        error = page.locator("[data-assistant-widget] .err").first.inner_text()
        assert "ASSISTANT_CORS_ORIGINS" in error and f"127.0.0.1:{port}" in error
        page.screenshot(path=str(output_dir / "ui-widget-other-origin-390.png"))
        logged = [r for r in caplog.records if "ASSISTANT_CORS_ORIGINS" in r.getMessage() and str(port) in r.getMessage()]
        assert len(logged) == 1
    finally:
        server.shutdown()


def test_conversations_are_kept_listed_resumed_renamed_edited_and_deleted(context_for, live_server, output_dir):
    page = context_for("light").new_page()
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#question textarea")
    ask(page, QUESTION)
    page.locator('#chat a[href*="#kopier-0"]').wait_for()

    # A reload keeps the conversation: it is listed and opens with its clickable sources.
    page.reload()
    page.wait_for_selector("#question textarea")
    page.locator("#conv-box button").first.click()
    page.locator("#conv-pick input").click()
    option = page.get_by_role("option").filter(has_text=QUESTION[:40]).first
    option.click()
    page.click("#conv-open")
    page.locator('#chat a[href*="#kilde-0-1"]').first.wait_for()
    page.locator('#chat a[href*="#kilde-0-1"]').first.click()
    page.wait_for_selector("#source-panel mark")
    assert page.input_value("#conv-name input, #conv-name textarea") .startswith("Hvordan kan fylkeskommunen")

    # Renamed, the list shows the new name.
    page.fill("#conv-name input, #conv-name textarea", "Private investeringer")
    page.click("#conv-rename")
    page.wait_for_function("document.querySelector('#conv-pick input').value.startsWith('Private investeringer')")

    # A question edited and sent again replaces that turn and what followed.
    page.locator('#chat [data-testid="user"]').first.hover()
    page.locator('#chat button[data-assistant-label="edit"]').first.click()
    editor = page.locator("#chat textarea").first
    editor.fill("Hva er smart spesialisering?")
    page.locator('#chat button[aria-label="Send"], #chat button[data-assistant-label="edit_send"]').first.click()
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"user\"]').length === 1 && "
                           "document.querySelector('#chat [data-testid=\"user\"]').innerText.includes('smart spesialisering')")
    page.locator('#chat a[href*="#kopier-0"]').wait_for()
    page.screenshot(path=str(output_dir / "ui-conversations.png"))

    # Deleted, it is gone from the list.
    page.click("#conv-delete")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0")
    page.locator("#conv-pick input").click()
    import re

    assert not page.get_by_role("option").filter(has_text=re.compile(r"^Private investeringer \(")).count()


def test_a_checklist_by_keyboard_alone(context_for, live_server):
    page = context_for("light").new_page()
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/?lang=en")
    page.wait_for_selector("#question textarea")
    page.get_by_role("tab", name="Checklists").focus()
    page.keyboard.press("Enter")
    page.locator("#checklist-pick input").focus()
    page.keyboard.type("Oppstart")
    # The options are filtered as one types; a key pressed before the list shows the match (a
    # slow CI machine) would pick nothing, and the start button would then start no walk.
    page.get_by_role("option").filter(has_text="Oppstart").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#checklist-pick input').value.includes('Oppstart')")
    page.locator("#session-start").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#checklist-item .cl-text")
    page.locator("#item-status input").first.focus()
    page.keyboard.press("Space")
    page.wait_for_selector('#checklist-progress [aria-valuenow="1"]')
    page.locator("#item-save").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#checklist-item').innerText.includes('Item 2 of')")
    page.locator("#item-explain").focus()
    page.keyboard.press("Enter")
    page.locator("#item-explanation .cite-btn").first.wait_for()
    page.locator("#item-explanation .cite-btn").first.focus()
    page.keyboard.press("Enter")
    page.locator("#item-explanation details[open]").wait_for()
