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


GRADIO_ENGLISH_LABELS = ("Fullscreen", "Copy table data", "Dataframe", "Table actions", "Open cell menu", "More tabs",
                         "File upload", "common.complete", "Select example")


def foreign_labels(page, lang: str) -> list[str]:
    """Labels, placeholders and interface text on the page that are another UI language's
    wording from the translation table, or Gradio's English-only labels: every UI string must
    come from the table in `lang` (the sources' own text is content and may be Norwegian)."""
    from assistant.server.text import STATUS_LABELS, STRINGS

    tables = [*STRINGS.values(), *({code: STATUS_LABELS[code][s] for code in STATUS_LABELS} for s in STATUS_LABELS["nb"])]
    mine = {entry.get(lang) for entry in tables}
    others = {v for entry in tables for code, v in entry.items() if len(v) > 3 and "{" not in v} - mine
    found = page.evaluate("""() => {
        const out = [];
        const content = '#chat .message, #source-panel, #documents-table tbody, #document-view, #checklist-item, '
                      + '#item-overview li, #item-explanation, #source-results, [role="option"]';
        document.querySelectorAll('[aria-label], [placeholder], [title]').forEach(el => {
            if (el.closest(content)) return;
            for (const a of ['aria-label', 'placeholder', 'title']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
        });
        const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        let n;
        while ((n = w.nextNode())) {
            const el = n.parentElement;
            if (!el || el.closest('script, style, #copy-store') || el.closest(content) || !n.data.trim()) continue;
            out.push(n.data.trim());
        }
        return out;
    }""")
    return sorted({f for f in found if f not in mine and (f in others or f.startswith(GRADIO_ENGLISH_LABELS))})


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
    assert foreign_labels(page, lang) == []
    page.get_by_role("tab", name=t("tab_sources", lang)).click()
    page.wait_for_selector("#documents-table table")
    assert axe_violations(page) == []
    assert foreign_labels(page, lang) == []
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

    # Deleting asks first: «No» keeps the conversation, «Yes, delete» deletes it.
    page.click("#conv-delete")
    page.locator("#conv-delete-question").wait_for()
    assert "Private investeringer" in page.inner_text("#conv-delete-question")
    page.screenshot(path=str(output_dir / "ui-conversation-delete-confirm.png"))
    page.click("#conv-delete-no")
    page.locator("#conv-delete-question").wait_for(state="hidden")
    page.locator("#conv-delete").wait_for()
    assert page.locator('#chat [data-testid="bot"]').count() == 1
    assert page.input_value("#conv-pick input").startswith("Private investeringer")
    page.click("#conv-delete")
    page.click("#conv-delete-yes")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0")
    page.locator("#conv-delete-question").wait_for(state="hidden")
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
    # Gradio's dropdown handles a key after a tick; the typed «Oppstart» is in the box at once, but
    # only the whole title shows the pick was made. Moving focus before that blurs the box, which
    # empties it, and Start then gets no checklist.
    page.wait_for_function("document.querySelector('#checklist-pick input').value === 'Oppstart av planprosess'")
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


def test_checklist_sessions_on_load_saved_notice_and_one_report_format(context_for, live_server, live_home, output_dir):
    """In the English UI: the earlier sessions are listed as the page opens (no checklist picked
    first); «saved» shows only once a change is saved, not while a note is being typed; the
    report comes in the one format chosen, named after the session."""
    from assistant.checklists.service import ChecklistService
    from assistant.config import Config

    svc = ChecklistService(Config(home=live_home))
    session = svc.start_session("oppstart", "Reload test")
    page = context_for("light").new_page()
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/?lang=en")
    page.wait_for_selector("#question textarea")
    page.get_by_role("tab", name="Checklists").click()
    page.locator("#session-pick input").click()
    option = page.get_by_role("option").filter(has_text="Reload test").first
    option.wait_for()
    assert "0 of 24 answered" in option.inner_text()
    option.click()
    page.wait_for_function("document.querySelector('#session-pick input').value.startsWith('Reload test')")
    page.click("#session-resume")
    page.wait_for_selector("#checklist-item .cl-text")

    saved = "document.querySelector('#item-saved').innerText.trim()"
    page.locator("#item-status").get_by_label("Yes", exact=True).check()
    page.wait_for_function(f"{saved} === 'The change is saved.'")
    page.locator("#item-note textarea").click()
    page.keyboard.type("Agreed")
    page.wait_for_function(f"{saved} === ''")  # typing: nothing is saved yet, so no notice
    page.wait_for_function("document.querySelector('#item-note textarea').value === 'Agreed'")
    page.locator("#item-owner input, #item-owner textarea").click()  # leaving the note saves it
    page.wait_for_function(f"{saved} === 'The change is saved.'")
    first = svc.get_checklist("oppstart").items[0].id
    assert svc.get_session(session.id).state(first).note == "Agreed"

    assert page.inner_text("#report-make") == "Make readiness report"
    for label, suffix, start in (("Markdown (.md)", "md", b"# Statusrapport: Reload test"), ("PDF (.pdf)", "pdf", b"%PDF")):
        page.locator("#report-format").get_by_label(label).check()
        page.click("#report-make")
        button = page.locator("#report-download")
        page.wait_for_function("(s) => document.querySelector('#report-download') && "
                               "document.querySelector('#report-download').innerText.endsWith(s)", arg=f".{suffix}")
        with page.expect_download() as download:
            button.click()
        assert download.value.suggested_filename == f"reload-test-oppstart.{suffix}"
        body = open(download.value.path(), "rb").read()
        assert body.startswith(start) and (suffix != "md" or b"data:image/png;base64," in body)
    page.screenshot(path=str(output_dir / "ui-en-checklist-report.png"), full_page=True)


def test_the_tab_title_and_each_copy_button_say_what_they_are_in_the_ui_language(context_for, live_server):
    """The browser tab's title is in the UI language; the copy button on the user's own message
    copies the question and says so, the one on the answer says it copies the answer."""
    page = context_for("light").new_page()
    page.set_default_timeout(60_000)
    for lang in ("sv", "en"):
        page.goto(f"{live_server.url}/?lang={lang}")
        page.wait_for_selector("#question textarea")
        page.wait_for_function("(title) => document.title === title", arg=t("title", lang))
    ask(page, QUESTION)
    page.locator('#chat a[href*="#kilde-0-1"]').first.wait_for()
    labels = ("(key) => [...document.querySelectorAll('#chat button[data-assistant-label]')]"
              ".filter(b => b.getAttribute('data-assistant-label') === key).map(b => b.getAttribute('aria-label'))")
    page.wait_for_function(f"() => ({labels})('copy_question').length === 1 && ({labels})('copy').length === 1")
    assert page.evaluate(f"({labels})('copy_question')") == ["Copy the question"]
    assert page.evaluate(f"({labels})('copy')") == ["Copy the answer"]


def open_session(page, url: str, name: str) -> None:
    """Open the English UI's checklist tab and resume the session called `name`."""
    page.set_default_timeout(60_000)
    page.goto(url + "/?lang=en")
    page.wait_for_selector("#question textarea")
    page.get_by_role("tab", name="Checklists").click()
    page.locator("#session-pick input").click()
    page.get_by_role("option").filter(has_text=name).first.click()
    page.wait_for_function("(n) => document.querySelector('#session-pick input').value.startsWith(n)", arg=name)
    page.click("#session-resume")
    page.wait_for_selector("#checklist-item .cl-text")


def test_two_tabs_on_one_item_do_not_overwrite_each_other(context_for, live_server, live_home, output_dir):
    """Two pages on the same item: the second save of the same field is refused with a notice in
    the UI language and an offer to reload the item, not written over the first; a field only
    one of them changed is saved without a conflict, and the other's values are kept."""
    from assistant.checklists.service import ChecklistService
    from assistant.config import Config

    svc = ChecklistService(Config(home=live_home))
    session = svc.start_session("oppstart", "Two tabs")
    first = svc.get_checklist("oppstart").items[0].id
    ctx = context_for("light")
    a, b = ctx.new_page(), ctx.new_page()
    for page in (a, b):
        open_session(page, live_server.url, "Two tabs")
    saved = "document.querySelector('#item-saved').innerText.trim()"

    a.fill("#item-note textarea", "From tab A")
    a.locator("#item-owner input, #item-owner textarea").click()  # leaving the note saves it
    a.wait_for_function(f"{saved} === 'The change is saved.'")
    b.locator("#item-status").get_by_label("Partly", exact=True).check()  # a field A left alone
    b.wait_for_function(f"{saved} === 'The change is saved.'")
    assert svc.get_session(session.id).state(first).note == "From tab A"  # B's empty note did not win

    b.fill("#item-note textarea", "From tab B")
    b.locator("#item-owner input, #item-owner textarea").click()
    b.wait_for_function(f"{saved}.startsWith('Item 1 was changed in another tab')")
    assert b.locator("#item-reload").is_visible()
    state = svc.get_session(session.id).state(first)
    assert state.note == "From tab A" and state.status == "delvis"
    b.screenshot(path=str(output_dir / "ui-en-checklist-stale-item.png"))
    b.click("#item-reload")
    b.wait_for_function("document.querySelector('#item-note textarea').value === 'From tab A'")
    b.locator("#item-reload").wait_for(state="hidden")
    b.fill("#item-note textarea", "From tab B, after reading A")
    b.locator("#item-owner input, #item-owner textarea").click()
    b.wait_for_function(f"{saved} === 'The change is saved.'")
    assert svc.get_session(session.id).state(first).note == "From tab B, after reading A"


def test_a_status_group_is_one_tab_stop_and_an_empty_explanation_none(context_for, live_server, live_home):
    """The status radios are one tab stop, the arrow keys choosing among them (and saving); the
    explanation area is reached by Tab only once «Explain» has filled it."""
    from assistant.checklists.service import ChecklistService
    from assistant.config import Config

    svc = ChecklistService(Config(home=live_home))
    session = svc.start_session("oppstart", "Keyboard group")
    page = context_for("light").new_page()
    open_session(page, live_server.url, "Keyboard group")
    active = "document.activeElement"
    radios = page.locator("#item-status input[type=radio]")
    page.wait_for_function("() => { const r = [...document.querySelectorAll('#item-status input[type=radio]')]; "
                           "return r.length > 1 && r.every(x => x.name === r[0].name); }")
    radios.first.focus()
    page.keyboard.press("ArrowDown")  # a group: the arrow moves the choice to «Partly»
    page.wait_for_function("() => document.querySelectorAll('#item-status input[type=radio]')[1].checked")
    page.wait_for_selector('#checklist-progress [aria-valuenow="1"]')
    first = svc.get_checklist("oppstart").items[0].id
    assert svc.get_session(session.id).state(first).status == "delvis"
    page.keyboard.press("Tab")  # out of the group in one step, to the note
    assert page.evaluate(f"{active}.closest('#item-note') !== null"), page.evaluate(f"{active}.outerHTML")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(f"{active}.type === 'radio' && {active}.checked")
    page.locator("#item-explain").focus()
    page.keyboard.press("Tab")  # nothing to read yet: the empty explanation is skipped
    assert page.evaluate(f"{active}.id !== 'item-explanation'")
    page.locator("#item-explain").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#item-explanation').innerText.trim().length > 0")
    page.wait_for_function("document.querySelector('#item-explanation').getAttribute('tabindex') === '0'")


@pytest.mark.parametrize("width", [360, 430])
def test_narrow_screens_wrap_the_title_between_words_and_keep_dropdown_text_clear(context_for, live_server, output_dir,
                                                                                  width):
    """360-430 px: the English title breaks only between words and is not cut; a dropdown's text
    stays clear of its arrow (and ends with «…» if it is longer than the box)."""
    page = context_for("light", width, 800).new_page()
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/?lang=en")
    page.wait_for_function("document.querySelector('#title h2') && "
                           "document.querySelector('#title h2').innerText.startsWith('Smart specialisation')")
    title = page.evaluate("""() => { const h = document.querySelector('#title h2');
        return {fits: h.scrollWidth <= h.clientWidth + 1, right: h.getBoundingClientRect().right}; }""")
    assert title["fits"] and title["right"] <= width, title
    page.get_by_role("tab", name="Checklists").click()
    page.locator("#checklist-pick input").click()
    page.get_by_role("option").filter(has_text="Oppstart av planprosess").first.click()
    page.wait_for_function("document.querySelector('#checklist-pick input').value === 'Oppstart av planprosess'")
    boxes = page.evaluate("""() => Array.from(document.querySelectorAll('#lang-pick, #checklist-pick, #session-pick'))
        .map(d => { const i = d.querySelector('input'), a = d.querySelector('.icon-wrap');
          const textRight = i.getBoundingClientRect().right - parseFloat(getComputedStyle(i).paddingRight);
          return {id: d.id, clear: textRight <= a.getBoundingClientRect().left + 1,
                  fits: i.scrollWidth <= i.clientWidth, ellipsis: getComputedStyle(i).textOverflow === 'ellipsis'}; })""")
    assert all(b["clear"] and b["ellipsis"] for b in boxes), boxes
    assert next(b for b in boxes if b["id"] == "checklist-pick")["fits"], boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 2
    page.wait_for_function("!document.querySelector('[role=\"option\"]')")  # the list has closed
    page.screenshot(path=str(output_dir / f"ui-en-{width}-checklist.png"))
