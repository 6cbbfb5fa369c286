"""Sign-in through an SSO reverse proxy, end to end: Debian's nginx (started here) signs users
in (HTTP basic auth stands in for the organisation's SSO) and passes `X-Forwarded-User`; the app
believes that header only from the proxy's address (nginx binds 127.0.0.2 for its upstream
connections). Every route needs a user; checklist sessions and conversations belong to one;
the admin sees all; API keys still work for machine clients; going round the proxy is refused.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from server_helpers import CHROMIUM, QUESTION, LiveServer, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
KEY = "machine-key-for-tests"
HEADER = "X-Forwarded-User"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="Debian nginx is not installed (nginx-light)"),
]

NGINX_CONF = """
{user}
pid {d}/nginx.pid;
error_log {d}/error.log warn;
daemon off;
worker_processes 1;
events {{ worker_connections 128; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      auth_basic "Intranett";
      auth_basic_user_file {d}/users;
      proxy_pass http://127.0.0.1:{upstream};
      proxy_bind 127.0.0.2;
      proxy_set_header {header} $remote_user;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header Host $host:$server_port;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 120s;
    }}
  }}
}}
"""


@pytest.fixture(scope="module")
def app_server(assistant, tmp_path_factory):
    from assistant.server.app import create_app

    config = assistant.config.with_(home=tmp_path_factory.mktemp("signin-home"), auth_header=HEADER,
                                    trusted_proxies=("127.0.0.2",), admins=("sjef",), api_keys=(KEY,),
                                    rate_limit=1000)
    with LiveServer(create_app(assistant, config), free_port()) as server:
        server.config = config
        yield server


@pytest.fixture(scope="module")
def proxy(app_server, tmp_path_factory):
    d = tmp_path_factory.mktemp("nginx")
    (d / "users").write_text("kari:{PLAIN}kari-pw\nola:{PLAIN}ola-pw\nsjef:{PLAIN}sjef-pw\n")
    port = free_port()
    conf = d / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user="user root;" if os.geteuid() == 0 else "", d=d, port=port,
                                      upstream=app_server.port, header=HEADER))
    proc = subprocess.Popen([NGINX, "-p", str(d), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url + "/healthz", timeout=2)
            break
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode(errors='replace')}")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def as_user(proxy: str, name: str) -> httpx.Client:
    return httpx.Client(base_url=proxy, auth=(name, f"{name}-pw"), timeout=60)


def test_every_route_needs_a_user(proxy):
    for path in ("/", "/api/checklists", "/widget", "/gradio_api/info"):
        assert httpx.get(proxy + path, timeout=10).status_code == 401  # nginx asks for sign-in
    with as_user(proxy, "kari") as kari:
        assert kari.get("/").status_code == 200
        r = kari.post("/api/ask", json={"question": QUESTION})  # no key needed once signed in
        assert r.status_code == 200 and r.json()["citations"]


def test_going_round_the_proxy_is_refused(app_server):
    direct = httpx.Client(base_url=app_server.url, timeout=60)
    for path in ("/", "/api/checklists", "/widget", "/gradio_api/info", "/v1/models"):
        r = direct.get(path, headers={HEADER: "sjef"})  # naming oneself does not help
        assert r.status_code == 403, path
        assert "innloggingen" in r.json()["error"]
    r = direct.post("/api/ask", json={"question": QUESTION}, headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200  # a machine client with an API key
    assert direct.get("/healthz").status_code == 200


def test_checklist_sessions_belong_to_their_user_and_the_admin_sees_all(proxy):
    with as_user(proxy, "kari") as kari, as_user(proxy, "ola") as ola, as_user(proxy, "sjef") as sjef:
        checklist = kari.get("/api/checklists").json()[0]["id"]
        mine = kari.post(f"/api/checklists/{checklist}/sessions", json={"name": "Karis økt"}).json()["session"]
        assert mine["created_by"] == "kari"
        olas = ola.post(f"/api/checklists/{checklist}/sessions", json={"name": "Olas økt", "created_by": "kari"})
        assert olas.json()["session"]["created_by"] == "ola"  # the proxy's name, not the body's
        assert [s["name"] for s in kari.get(f"/api/checklists/{checklist}/sessions").json()] == ["Karis økt"]
        assert [s["name"] for s in ola.get(f"/api/checklists/{checklist}/sessions").json()] == ["Olas økt"]
        assert ola.get(f"/api/sessions/{mine['id']}").status_code == 404
        item = kari.get(f"/api/checklists/{checklist}").json()["items"][0]["id"]
        assert ola.patch(f"/api/sessions/{mine['id']}/items/{item}", json={"status": "ja"}).status_code == 404
        assert ola.get(f"/api/sessions/{mine['id']}/report").status_code == 404
        assert kari.patch(f"/api/sessions/{mine['id']}/items/{item}", json={"status": "ja"}).status_code == 200
        assert {(s["name"], s["created_by"]) for s in sjef.get(f"/api/checklists/{checklist}/sessions").json()} == \
            {("Karis økt", "kari"), ("Olas økt", "ola")}
        assert sjef.get(f"/api/sessions/{mine['id']}/report").status_code == 200


def test_conversations_belong_to_their_user(proxy):
    with as_user(proxy, "kari") as kari, as_user(proxy, "ola") as ola, as_user(proxy, "sjef") as sjef:
        cid = kari.post("/api/conversations", json={"items": [{"question": "Karis spørsmål"}]}).json()["id"]
        assert cid in [c["id"] for c in kari.get("/api/conversations").json()]
        assert cid not in [c["id"] for c in ola.get("/api/conversations").json()]
        assert ola.get(f"/api/conversations/{cid}").status_code == 404
        assert ola.delete(f"/api/conversations/{cid}").status_code == 404
        assert sjef.get(f"/api/conversations/{cid}").json()["owner"] == "kari"


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_the_web_ui_through_the_proxy_keeps_each_users_sessions(browser, proxy, output_dir):
    pages = {}
    for name in ("kari", "ola"):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO",
                                  http_credentials={"username": name, "password": f"{name}-pw"})
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        page.goto(proxy + "/")
        page.wait_for_selector("#question textarea")
        pages[name] = page
    kari, ola = pages["kari"], pages["ola"]
    kari.fill("#question textarea", QUESTION)
    kari.press("#question textarea", "Enter")
    kari.locator('#chat a[href*="#kilde-0-1"]').first.wait_for()  # streamed through the proxy
    for page, session in ((kari, "Karis gjennomgang"), (ola, "Olas gjennomgang")):
        page.get_by_role("tab", name="Sjekklister").click()
        page.locator("#checklist-pick input").click()
        page.get_by_role("option").first.click()
        page.fill("#session-name input, #session-name textarea", session)
        page.click("#session-start")
        page.wait_for_selector("#checklist-item .cl-text")
    ola.locator("#session-pick input").click()
    names = ola.get_by_role("option").all_inner_texts()
    assert any("Olas gjennomgang" in n for n in names) and not any("Karis" in n for n in names)
    ola.screenshot(path=str(output_dir / "signin-ola-sessions.png"))
    # Conversations too: Kari's question is in her list, not in Ola's.
    for page in (kari, ola):
        page.reload()
        page.wait_for_selector("#question textarea")
        page.locator("#conv-box button").first.click()
        page.locator("#conv-pick input").click()
    assert kari.get_by_role("option").filter(has_text=QUESTION[:30]).count() == 1
    assert ola.get_by_role("option").filter(has_text=QUESTION[:30]).count() == 0
    assert kari.get_by_role("option").filter(has_text="bruker:").count() == 0  # one's own need no name
    # The admin sees everyone's, each with whose it is.
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO",
                              http_credentials={"username": "sjef", "password": "sjef-pw"})
    sjef = pages["sjef"] = ctx.new_page()
    sjef.set_default_timeout(60_000)
    sjef.goto(proxy + "/")
    sjef.wait_for_selector("#question textarea")
    sjef.locator("#conv-box button").first.click()
    sjef.locator("#conv-pick input").click()
    sjef.get_by_role("option").filter(has_text=QUESTION[:30]).filter(has_text="bruker: kari").first.wait_for()
    sjef.keyboard.press("Escape")
    sjef.get_by_role("tab", name="Sjekklister").click()
    sjef.locator("#session-pick input").click()
    sjef.get_by_role("option").filter(has_text="Olas gjennomgang").filter(has_text="bruker: ola").wait_for()
    sjef.get_by_role("option").filter(has_text="Karis gjennomgang").filter(has_text="bruker: kari").wait_for()
    sjef.screenshot(path=str(output_dir / "signin-admin-sessions.png"))
    # The widget uses the signed-in session: no key in the page, and the answer comes back.
    kari.goto(proxy + "/widget")
    assert "data-api-key=" not in kari.content().split("<body>", 1)[-1].split("</header>", 1)[-1]
    box = kari.locator("[data-assistant-widget] input")
    box.fill(QUESTION)
    box.press("Enter")
    kari.locator("[data-assistant-widget] .cite").first.wait_for()
    kari.screenshot(path=str(output_dir / "signin-widget.png"))
    for page in pages.values():
        page.context.close()


def test_sign_in_middleware_in_process(assistant, tmp_path):
    """The proxy's address with no user is 401; the user header from another address is 403;
    health checks stay open; an API key opens /api and /v1 only."""
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app

    config = assistant.config.with_(home=tmp_path, auth_header=HEADER, trusted_proxies=("127.0.0.0/8",), api_keys=(KEY,))
    app = create_app(assistant, config, ui=False)
    proxy = TestClient(app, client=("127.0.0.2", 5000), raise_server_exceptions=False)
    elsewhere = TestClient(app, client=("192.0.2.7", 5000), raise_server_exceptions=False)
    assert proxy.get("/api/checklists").status_code == 401
    assert proxy.get("/api/checklists", headers={HEADER: "kari"}).status_code == 200
    assert elsewhere.get("/api/checklists", headers={HEADER: "kari"}).status_code == 403
    assert elsewhere.get("/api/checklists", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert elsewhere.get("/widget", headers={"Authorization": f"Bearer {KEY}"}).status_code == 403
    assert elsewhere.get("/healthz").status_code == 200


def test_a_proxy_on_the_same_host_that_sets_x_forwarded_for_is_still_the_proxy(assistant, tmp_path):
    """Most nginx set-ups pass X-Forwarded-For. Served as `assistant serve` serves it, the app sees
    the proxy's own address (127.0.0.1 here) and lets the signed-in user in."""
    from assistant.server.app import create_app

    config = assistant.config.with_(home=tmp_path, auth_header=HEADER, trusted_proxies=("127.0.0.1",), rate_limit=1000)
    with LiveServer(create_app(assistant, config), free_port()) as server:
        r = httpx.get(server.url + "/api/documents", headers={HEADER: "kari", "X-Forwarded-For": "10.1.2.3"}, timeout=30)
        assert r.status_code == 200, r.text
        assert httpx.get(server.url + "/api/documents", timeout=30).status_code == 401


def test_a_browser_without_sign_in_gets_a_readable_page_in_its_language(assistant, tmp_path):
    """A browser opening `/` unsigned gets a short HTML page (Accept-Language decides nb, sv or
    en; bokmål by default) that says to sign in through the portal; API clients keep JSON."""
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app
    from assistant.server.text import esc, t

    config = assistant.config.with_(home=tmp_path, auth_header=HEADER, trusted_proxies=("127.0.0.2",))
    app = create_app(assistant, config, ui=False)
    proxy = TestClient(app, client=("127.0.0.2", 5000), raise_server_exceptions=False)
    html = "text/html,application/xhtml+xml,*/*;q=0.8"
    for accept_language, lang in ((None, "nb"), ("sv-SE,sv;q=0.9,en;q=0.5", "sv"), ("en-GB,en;q=0.9", "en"),
                                  ("de-DE,de;q=0.9", "nb")):
        headers = {"Accept": html, **({"Accept-Language": accept_language} if accept_language else {})}
        r = proxy.get("/", headers=headers)
        assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}">' in r.text and esc(t("signin_needed", lang)) in r.text
    r = proxy.get("/api/checklists", headers={"Accept": html, "Accept-Language": "en"})
    assert r.status_code == 401 and r.json() == {"error": "You are not signed in.", "type": "AuthenticationError"}
    assert proxy.get("/").json()["type"] == "AuthenticationError"  # a client that does not ask for HTML
    elsewhere = TestClient(app, client=("192.0.2.7", 5000), raise_server_exceptions=False)
    r = elsewhere.get("/", headers={"Accept": html, "Accept-Language": "sv"})
    assert r.status_code == 403 and esc(t("signin_bypass", "sv")) in r.text


def test_user_names_are_one_form_for_ownership_and_admin_role(assistant, tmp_path):
    """«OLA», « Ola » and «ola» from the proxy's header are one user: each sees the same records,
    and an admin listed in any case is an admin."""
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app

    config = assistant.config.with_(home=tmp_path, auth_header=HEADER, trusted_proxies=("127.0.0.2",),
                                    admins=("Sjef",))
    proxy = TestClient(create_app(assistant, config, ui=False), client=("127.0.0.2", 5000),
                       raise_server_exceptions=False)
    checklist = proxy.get("/api/checklists", headers={HEADER: "ola"}).json()[0]["id"]
    made = proxy.post(f"/api/checklists/{checklist}/sessions", json={"name": "Olas økt"}, headers={HEADER: "ola"})
    sid = made.json()["session"]["id"]
    cid = proxy.post("/api/conversations", json={"items": [{"question": "Olas spørsmål"}]},
                     headers={HEADER: "Ola"}).json()["id"]
    for name in ("OLA", " Ola ", "ola"):
        assert proxy.get(f"/api/sessions/{sid}", headers={HEADER: name}).status_code == 200, name
        assert cid in [c["id"] for c in proxy.get("/api/conversations", headers={HEADER: name}).json()], name
    assert proxy.get(f"/api/sessions/{sid}", headers={HEADER: "kari"}).status_code == 404
    assert proxy.get(f"/api/sessions/{sid}", headers={HEADER: "SJEF"}).status_code == 200  # admin in any case


def test_the_static_widget_script_is_open_with_sign_in_on(assistant, tmp_path):
    """`/widget.js` holds no data, so a page can load it straight from the app (with
    `data-api-key`); everything else still needs the proxy's user or a key."""
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app

    config = assistant.config.with_(home=tmp_path, auth_header=HEADER, trusted_proxies=("127.0.0.2",), api_keys=(KEY,))
    elsewhere = TestClient(create_app(assistant, config, ui=False), client=("192.0.2.7", 5000),
                           raise_server_exceptions=False)
    js = elsewhere.get("/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    for path in ("/widget", "/widget.js/x", "/api/documents"):
        assert elsewhere.get(path).status_code == 403, path
    assert elsewhere.get("/api/documents", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
