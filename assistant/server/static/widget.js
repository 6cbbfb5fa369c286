/*
 * Embeddable chat box for intranet pages:
 *   <script src="https://HOST/widget.js" data-lang="nb" data-api-key="…" data-target="#box"></script>
 * Talks to /api/ask/stream on the server the script came from. All user and document text is
 * inserted with textContent / createTextNode, never as HTML, so it is always shown as text.
 * Styles live in a shadow root so the host page and the widget do not restyle each other.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = new URL(script.src, location.href);
  var API = base.origin + base.pathname.replace(/\/widget\.js$/, "");
  var KEY = script.getAttribute("data-api-key") || "";
  // Behind the organisation's SSO proxy the widget uses the signed-in user's session (cookies)
  // instead of a key in the page: data-credentials="include" (the server then needs the page's
  // origin in ASSISTANT_CORS_ORIGINS).
  var CREDENTIALS = script.getAttribute("data-credentials") === "include" ? "include" : "same-origin";
  var LANG = script.getAttribute("data-lang") || "nb";
  var TARGET = script.getAttribute("data-target");

  var STRINGS = __STRINGS__;  // from the server's translation table (assistant/server/text.py)
  var S = STRINGS[LANG] || STRINGS.nb;

  var CSS = [
    ":host{all:initial;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:14px;color:#1f2937}",
    ".box{display:flex;flex-direction:column;width:100%;height:100%;min-height:420px;background:#fff;border:1px solid #d1d5db;border-radius:10px;overflow:hidden;box-sizing:border-box}",
    ".head{display:flex;justify-content:space-between;align-items:center;padding:8px 12px;background:#1e3a5f;color:#fff;font-weight:600}",
    ".head button{background:none;border:0;color:#fff;cursor:pointer;font-size:13px}",
    ".log{flex:1;overflow-y:auto;padding:10px 12px}",
    ".msg{margin:8px 0;line-height:1.45;white-space:pre-wrap}",
    ".user{background:#eef2f7;border-radius:8px;padding:6px 10px;margin-left:20%}",
    ".bot{padding:2px 0}",
    ".cite{display:inline-block;margin:0 2px;padding:0 5px;border:1px solid #1e3a5f;border-radius:4px;background:#f0f4fa;color:#1e3a5f;font-size:12px;cursor:pointer}",
    ".query{color:#6b7280;font-size:12px;font-style:italic;margin-bottom:4px}",
    ".srclist{margin-top:6px;font-size:12px;color:#374151}",
    ".srclist li{cursor:pointer}",
    ".panel{border-top:1px solid #d1d5db;background:#fafafa;padding:8px 12px;max-height:40%;overflow-y:auto;font-size:13px}",
    ".panel h4{margin:0 0 4px 0;font-size:14px}",
    ".panel .meta{color:#4b5563;font-size:12px;margin-bottom:6px}",
    ".panel mark{background:#fde68a;color:#111827}",
    ".rate{margin-top:4px}",
    ".copy{margin-right:8px;background:none;border:1px solid #1e3a5f;border-radius:4px;color:#1e3a5f;cursor:pointer}",
    ".rate button{background:none;border:1px solid #d1d5db;border-radius:4px;cursor:pointer;margin-right:4px}",
    ".err{color:#b91c1c}",
    "form{display:flex;gap:6px;padding:8px;border-top:1px solid #e5e7eb}",
    "input{flex:1;padding:6px 8px;border:1px solid #d1d5db;border-radius:6px;font:inherit}",
    "form button{padding:6px 12px;border:0;border-radius:6px;background:#1e3a5f;color:#fff;cursor:pointer}",
    ".launcher{position:fixed;right:12px;bottom:16px;padding:10px 16px;border:0;border-radius:20px;background:#1e3a5f;color:#fff;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.25)}",
    ".floating{position:fixed;right:12px;bottom:64px;width:min(380px,calc(100vw - 24px));height:min(540px,calc(100vh - 80px));box-shadow:0 4px 16px rgba(0,0,0,.25)}"
  ].join("\n");

  // The "searched for" line: only when the search differed from the question, and short.
  function squash(t) { return String(t || "").replace(/\s+/g, " ").trim(); }
  function cut(t, n) {
    t = squash(t);
    if (t.length <= n) return t;
    var c = t.slice(0, n - 1), i = c.lastIndexOf(" ");
    return (i > 0 ? c.slice(0, i) : c).replace(/[ ,.;:]+$/, "") + "…";
  }
  function shortQuery(query, question) {
    var q = squash(query), asked = squash(question);
    if (!q || q.toLowerCase() === asked.toLowerCase()) return "";
    var lq = q.toLowerCase(), la = asked.toLowerCase();
    if (la && lq.length > la.length && lq.slice(lq.length - la.length) === la) {
      var extra = q.slice(0, q.length - asked.length);
      return cut(cut(extra, Math.max(100 - asked.length - 1, 24)) + " " + asked, 124);
    }
    return cut(q, 100);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function headers() {
    var h = { "Content-Type": "application/json", "Accept": "text/event-stream" };
    if (KEY) h["Authorization"] = "Bearer " + KEY;
    return h;
  }

  function build(host, floating) {
    var root = host.attachShadow({ mode: "open" });
    var style = el("style"); style.textContent = CSS; root.appendChild(style);
    var box = el("div", "box" + (floating ? " floating" : ""));
    box.setAttribute("part", "box");
    var head = el("div", "head");
    head.appendChild(el("span", null, S.title));
    var clear = el("button", null, S.clear); clear.type = "button";
    head.appendChild(clear);
    var log = el("div", "log"); log.setAttribute("aria-live", "polite");
    var panel = el("div", "panel"); panel.hidden = true;
    var form = el("form");
    var input = el("input"); input.placeholder = S.placeholder; input.setAttribute("aria-label", S.placeholder);
    var send = el("button", null, S.send); send.type = "submit";
    form.appendChild(input); form.appendChild(send);
    box.appendChild(head); box.appendChild(log); box.appendChild(panel); box.appendChild(form);
    root.appendChild(box);

    if (floating) {
      box.hidden = true;
      var launcher = el("button", "launcher", S.open); launcher.type = "button";
      launcher.addEventListener("click", function () { box.hidden = !box.hidden; if (!box.hidden) input.focus(); });
      root.appendChild(launcher);
    }

    var history = [];
    clear.addEventListener("click", function () { history = []; log.textContent = ""; panel.hidden = true; });

    function showSource(c) {
      panel.textContent = "";
      panel.hidden = false;
      var close = el("button", null, "✕ " + S.close); close.type = "button"; close.style.float = "right";
      close.addEventListener("click", function () { panel.hidden = true; });
      panel.appendChild(close);
      panel.appendChild(el("h4", null, "[" + c.n + "] " + c.title));
      var meta = [S.authority + ": " + c.authority];
      if (c.section) meta.push(c.section);
      if (c.page) meta.push(S.page + " " + c.page);
      panel.appendChild(el("div", "meta", meta.join(" · ")));
      panel.appendChild(highlighted(c.text || "", c.quotes || []));
    }

    function highlighted(text, quotes) {
      // Split the passage around each quoted sentence; every piece is a text node.
      var p = el("p");
      var spans = [];
      quotes.forEach(function (q) {
        q = (q || "").trim();
        var i = q ? text.indexOf(q) : -1;
        if (i >= 0) spans.push([i, i + q.length]);
      });
      spans.sort(function (a, b) { return a[0] - b[0]; });
      var pos = 0;
      spans.forEach(function (s) {
        if (s[0] < pos) return;
        p.appendChild(document.createTextNode(text.slice(pos, s[0])));
        p.appendChild(el("mark", null, text.slice(s[0], s[1])));
        pos = s[1];
      });
      p.appendChild(document.createTextNode(text.slice(pos)));
      return p;
    }

    function citeButton(n, lookup) {
      var b = el("button", "cite", "[" + n + "]"); b.type = "button";
      b.addEventListener("click", function () { var c = lookup(n); if (c) showSource(c); });
      return b;
    }

    // The answer as clean text to paste into a case document: its sentences with [n], then a
    // plain source list (title, section, page), as the chat's «copy with sources».
    function plainAnswer(a) {
      var text = String(a.answer || "").trim();
      var lines = (a.citations || []).map(function (c) {
        return "[" + c.n + "] " + [c.title, c.section, c.page ? S.page + " " + c.page : ""]
          .filter(function (x) { return x; }).join(", ");
      });
      return lines.length ? text + "\n\n" + S.sources + ":\n" + lines.join("\n") : text;
    }

    function writeClipboard(text) {
      if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
      var area = el("textarea"); area.value = text; area.style.position = "fixed"; area.style.opacity = "0";
      root.appendChild(area); area.select();
      try { document.execCommand("copy"); } finally { root.removeChild(area); }
      return Promise.resolve();
    }

    function copyButton(answer, into) {
      var copy = el("button", "copy", S.copy); copy.type = "button";
      copy.addEventListener("click", function () {
        writeClipboard(plainAnswer(answer)).then(function () { copy.textContent = S.copied; });
      });
      into.appendChild(copy);
    }

    function rateButtons(question, answer, into) {
      var wrap = el("div", "rate");
      [[1, "+ " + S.up, S.up], [-1, "− " + S.down, S.down]].forEach(function (r) {
        var b = el("button", null, r[1]); b.type = "button"; b.title = r[2]; b.setAttribute("aria-label", r[2]);
        b.addEventListener("click", function () {
          fetch(API + "/api/feedback", { method: "POST", headers: headers(), credentials: CREDENTIALS,
            body: JSON.stringify({ question: question, answer: answer, rating: r[0] }) })
            .then(function (res) { wrap.textContent = res.ok ? S.thanks : S.error; })
            .catch(function () { wrap.textContent = S.error; });
        });
        wrap.appendChild(b);
      });
      into.appendChild(wrap);
    }

    function ask(question) {
      log.appendChild(el("div", "msg user", question));
      var bot = el("div", "msg bot");
      var body = el("div");
      bot.appendChild(body);
      log.appendChild(bot);
      log.scrollTop = log.scrollHeight;
      var citations = [];
      var lookup = function (n) { return citations.filter(function (c) { return c.n === n; })[0]; };
      var sent = history.slice();
      var first = true;
      var prevKind = null;

      function onEvent(ev) {
        if (ev.type === "segment") {
          // Same layout as Answer.answer: lead-in, blank line, prose joined by spaces, items on lines.
          var kind = ev.kind || (ev.cite === null || ev.cite === undefined ? "lead" : "sentence");
          var sep = first ? "" : prevKind === "lead" ? "\n\n" : (kind === "item" || prevKind === "item") ? "\n" : " ";
          first = false;
          prevKind = kind;
          body.appendChild(document.createTextNode(sep + (kind === "item" ? "• " : "") + ev.text));
          if (ev.cite !== null && ev.cite !== undefined) body.appendChild(citeButton(ev.cite, lookup));
        } else if (ev.type === "citations") {
          citations = ev.citations || [];
        } else if (ev.type === "done") {
          var a = ev.answer || {};
          citations = a.citations || citations;
          if (first) body.appendChild(document.createTextNode(a.answer || ""));
          var line = shortQuery(a.query, question);
          if (line) bot.insertBefore(el("div", "query", S.searched + ": «" + line + "»"), body);
          if (citations.length) {
            var list = el("ol", "srclist");
            list.setAttribute("aria-label", S.sources);
            citations.forEach(function (c) {
              var li = el("li", null, c.title + (c.section ? ", " + c.section : "") + (c.page ? ", " + S.page + " " + c.page : ""));
              li.value = c.n;
              li.addEventListener("click", function () { showSource(c); });
              list.appendChild(li);
            });
            bot.appendChild(list);
          }
          copyButton(a, bot);
          rateButtons(question, a, bot);
          history.push({ role: "user", content: question });
          // Structured conversation state: the server reads what this answer cited and searched.
          history.push({ role: "assistant", content: a.answer || "", citations: a.citations || [],
                         segments: a.segments || [], query: a.query || "" });
        } else if (ev.type === "error") {
          bot.appendChild(el("div", "err", ev.error || S.error));
        }
        log.scrollTop = log.scrollHeight;
      }

      fetch(API + "/api/ask/stream", { method: "POST", headers: headers(), credentials: CREDENTIALS,
        body: JSON.stringify({ question: question, history: sent }) })
        .then(function (res) {
          if (!res.ok) {
            return res.json().then(function (j) { onEvent({ type: "error", error: j.error }); },
                                   function () { onEvent({ type: "error" }); });
          }
          var reader = res.body.getReader();
          var decoder = new TextDecoder();
          var buf = "";
          function pump() {
            return reader.read().then(function (r) {
              if (r.done) return;
              buf += decoder.decode(r.value, { stream: true });
              var parts = buf.split("\n\n");
              buf = parts.pop();
              parts.forEach(function (block) {
                var data = block.split("\n").filter(function (l) { return l.indexOf("data:") === 0; })
                  .map(function (l) { return l.slice(5).trim(); }).join("\n");
                if (data) { try { onEvent(JSON.parse(data)); } catch (e) { /* ignore a malformed event */ } }
              });
              return pump();
            });
          }
          return pump();
        })
        .catch(function () {
          // A page on another origin that the server does not allow gets no readable response
          // (CORS), only a TypeError; if the server answers an opaque request, that is the cause.
          if (base.origin === location.origin) { onEvent({ type: "error" }); return; }
          fetch(API + "/healthz", { mode: "no-cors" })
            .then(function () { onEvent({ type: "error", error: S.origin.replace("{origin}", location.origin) }); },
                  function () { onEvent({ type: "error" }); });
        });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var q = input.value.trim();
      if (!q) return;
      input.value = "";
      ask(q);
    });
  }

  function start() {
    var host;
    if (TARGET && document.querySelector(TARGET)) {
      host = el("div");
      host.style.height = "100%";
      document.querySelector(TARGET).appendChild(host);
      build(host, false);
    } else {
      host = el("div");
      document.body.appendChild(host);
      build(host, true);
    }
    host.setAttribute("data-assistant-widget", "");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
