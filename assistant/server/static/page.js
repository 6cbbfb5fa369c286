/*
 * The web UI's page script (loaded in the page head by assistant/server/ui.py, which fills in
 * __LABELS__, __LANG__ and __NAMES__): the document's lang and Gradio's own labels follow the UI
 * language, Gradio markup that axe-core reports is repaired, the copy buttons copy clean text,
 * «Forklar» citations open their passage, and a checklist field being typed in is guarded.
 */
(function () {
  var LABELS = __LABELS__;
  var LANG = __LANG__;
  var NAMES = __NAMES__;
  var ANYWHERE = __ANYWHERE__;  // keys of Gradio's English-only labels, relabelled wherever they stand
  window.__assistantLang = LANG;
  document.documentElement.lang = LANG;
  function labelKey(text) {
    for (var key in LABELS) { if (LABELS[key].variants.indexOf(text) >= 0) return key; }
    return null;
  }
  function currentLang() {
    var pick = document.querySelector('#lang-pick input');
    var code = pick ? NAMES[pick.value] : null;
    if (code) window.__assistantLang = code;
    return window.__assistantLang || LANG;
  }
  // Whether a message button belongs to the user's message: the last message before it in the
  // page is the one its buttons follow.
  function onUserMessage(el) {
    var own = null;
    document.querySelectorAll('#chat [data-testid="user"], #chat [data-testid="bot"]').forEach(function (m) {
      if (m.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) own = m;
    });
    return !!own && own.getAttribute('data-testid') === 'user';
  }
  function relabel() {
    var lang = currentLang();
    if (document.documentElement.lang !== lang) document.documentElement.lang = lang;
    if (document.title !== LABELS.title[lang]) document.title = LABELS.title[lang];
    document.querySelectorAll('#chat button[aria-label], #chat [role="log"][aria-label]').forEach(function (el) {
      var key = el.getAttribute('data-assistant-label') || labelKey(el.getAttribute('aria-label'));
      if (!key) return;
      if (key === 'copy' && !el.hasAttribute('data-assistant-label') && onUserMessage(el)) {
        key = 'copy_question';  // it copies the question, not an answer
      }
      var want = LABELS[key][lang];
      el.setAttribute('data-assistant-label', key);
      if (el.getAttribute('aria-label') !== want) el.setAttribute('aria-label', want);
      if (el.hasAttribute('title') && el.getAttribute('title') !== want) el.setAttribute('title', want);
    });
    relabelAnywhere(lang);
    document.querySelectorAll('#chat [data-testid="user"][aria-label], #chat [data-testid="bot"][aria-label]').forEach(function (el) {
      var label = el.getAttribute('aria-label'), i = label.indexOf(': ');
      var prefix = LABELS[el.getAttribute('data-testid') === 'user' ? 'user_said' : 'bot_said'][lang];
      if (i > 0 && i < 60 && label.slice(0, i) !== prefix) el.setAttribute('aria-label', prefix + label.slice(i));
    });
  }
  function anywhereKey(text) {
    for (var i = 0; i < ANYWHERE.length; i++) { if (LABELS[ANYWHERE[i]].variants.indexOf(text) >= 0) return ANYWHERE[i]; }
    return null;
  }
  var EXAMPLE = /^(.*?) (\d+): ([\s\S]*)$/;
  function exampleLabel(text, lang) {
    var m = EXAMPLE.exec(text);
    if (!m) return null;
    var prefixes = ['Select example'].concat(Object.keys(NAMES).map(function (name) {
      return LABELS.select_example[NAMES[name]].split(' {n}')[0];
    }));
    if (prefixes.indexOf(m[1]) < 0) return null;
    return LABELS.select_example[lang].replace('{n}', m[2]) + m[3];
  }
  // Gradio's English-only labels (tables, tab bar, example chips), in attributes and text.
  function relabelAnywhere(lang) {
    document.querySelectorAll('[aria-label], [title]').forEach(function (el) {
      ['aria-label', 'title'].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (!value) return;
        var key = anywhereKey(value);
        var want = key ? LABELS[key][lang] : exampleLabel(value, lang);
        if (want && want !== value) el.setAttribute(attr, want);
      });
    });
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), node;
    while ((node = walker.nextNode())) {
      var text = node.data.trim();
      if (!text || text.length > 40) continue;
      var key = anywhereKey(text);
      if (key && text !== LABELS[key][lang]) node.data = node.data.replace(text, LABELS[key][lang]);
    }
  }
  // Gradio markup that axe-core reports (WCAG 4.1.2, 2.1.1): example chips in a role=list with
  // buttons for children, an empty file box labelled without a role, and scrollable panels
  // that a keyboard cannot reach.
  function repairAria() {
    var lang = currentLang();
    document.querySelectorAll('.examples[role="list"]').forEach(function (el) { el.setAttribute('role', 'group'); });
    document.querySelectorAll('div.empty[aria-label]:not([role])').forEach(function (el) {
      el.setAttribute('role', 'img');
      el.setAttribute('aria-label', LABELS.empty[lang]);
    });
    // A hidden label gives the question box no accessible name; name it in the UI language.
    document.querySelectorAll('#chat textarea:not([aria-label])').forEach(function (el) {
      el.setAttribute('aria-label', LABELS.question[lang]);  // editing a question
    });
    var question = document.querySelector('#question textarea');
    if (question && question.getAttribute('aria-label') !== LABELS.question[lang]) {
      question.setAttribute('aria-label', LABELS.question[lang]);
    }
    // Gradio titles its notices after the browser's locale ("Warning"); ours follow the UI.
    document.querySelectorAll('.toast-title.warning, .toast-title.error').forEach(function (el) {
      var key = el.classList.contains('error') ? 'error_title' : 'warning';
      var node = el.firstChild;
      if (node && node.nodeType === 3 && node.data.trim() !== LABELS[key][lang]) node.data = LABELS[key][lang] + ' ';
    });
    // The notice's header is a role=button holding the close button (nested-interactive): the
    // close button alone stays interactive.
    document.querySelectorAll('.toast-header[role="button"]').forEach(function (el) {
      el.removeAttribute('role');
      el.removeAttribute('tabindex');
    });
    document.querySelectorAll('[data-testid="toast-close"]').forEach(function (el) {
      if (el.getAttribute('aria-label') !== LABELS.close[lang]) el.setAttribute('aria-label', LABELS.close[lang]);
    });
    // A scrollable panel is a tab stop only while it shows something (the explanation area is
    // empty until «Forklar» is pressed).
    ['#item-explanation', '#source-panel', '#checklist-item'].forEach(function (sel) {
      var el = document.querySelector(sel);
      if (!el) return;
      var filled = el.innerText.trim() !== '';
      if (filled && el.getAttribute('tabindex') !== '0') el.setAttribute('tabindex', '0');
      if (!filled && el.hasAttribute('tabindex')) el.removeAttribute('tabindex');
    });
    // Gradio names each radio button apart, so every one is its own group: a tab stop of its own
    // and deaf to the arrow keys. One name per radio group makes it one tab stop, arrows choosing.
    document.querySelectorAll('fieldset').forEach(function (set, i) {
      var radios = set.querySelectorAll('input[type="radio"]');
      var name = 'group-' + (set.id || i);
      if (radios.length > 1) radios.forEach(function (r) { if (r.name !== name) r.name = name; });
    });
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; relabel(); repairAria(); });
  }).observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true,
                                          attributeFilter: ['aria-label', 'name']});
  window.__assistantSetLang = function (code) { window.__assistantLang = code; relabel(); };

  function writeClipboard(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    try { document.execCommand('copy'); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }
  function storedText(index) {
    var item = document.querySelector('#copy-store [data-index="' + index + '"]');
    return item ? item.textContent : null;
  }
  window.__assistantCopyText = storedText;
  document.addEventListener('click', function (ev) {
    var target = ev.target && ev.target.closest ? ev.target : null;
    if (!target) return;
    var link = target.closest('#chat a[href*="#kopier-"]');
    var button = link ? null : target.closest('#chat button[data-assistant-label="copy"]');
    var index = null;
    if (link) {
      index = 2 * parseInt(link.getAttribute('href').split('#kopier-')[1], 10) + 1;
    } else if (button) {
      var wrap = button.closest('.message-buttons'), row = wrap;
      while (row && !(row.classList && row.classList.contains('message-row'))) row = row.previousElementSibling;
      var rows = Array.prototype.slice.call(document.querySelectorAll('#chat .message-row'));
      index = row ? rows.indexOf(row) : -1;
    } else {
      return;
    }
    var text = storedText(index);
    if (text === null) return;
    ev.preventDefault();
    ev.stopPropagation();
    writeClipboard(text).then(function () {
      var status = document.querySelector('#feedback-status');
      if (status) status.setAttribute('data-copied', String(index));
    });
  }, true);
  // «Forklar»: a [n] opens the cited passage below the explanation.
  document.addEventListener('click', function (ev) {
    var btn = ev.target && ev.target.closest ? ev.target.closest('#item-explanation .cite-btn') : null;
    if (!btn) return;
    var details = document.getElementById('forklar-kilde-' + btn.getAttribute('data-cite'));
    if (!details) return;
    details.open = true;
    details.scrollIntoView({block: 'nearest'});
    details.querySelector('summary').focus();
  });
  // A checklist field typed into but not yet left (and so not yet saved): ask before leaving.
  var FIELDS = '#item-note textarea, #item-owner textarea, #item-owner input, #item-due textarea, #item-due input';
  window.__assistantDirty = false;
  document.addEventListener('input', function (ev) {
    if (ev.target && ev.target.matches && ev.target.matches(FIELDS)) window.__assistantDirty = true;
  }, true);
  document.addEventListener('focusout', function (ev) {
    if (ev.target && ev.target.matches && ev.target.matches(FIELDS)) window.__assistantDirty = false;
  }, true);
  window.addEventListener('beforeunload', function (ev) {
    if (!window.__assistantDirty) return;
    ev.preventDefault();
    ev.returnValue = '';
  });
  if (document.readyState !== 'loading') relabel(); else document.addEventListener('DOMContentLoaded', relabel);
})();
