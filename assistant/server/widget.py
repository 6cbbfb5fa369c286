"""The embeddable widget: `/widget.js` (one `<script>` tag for intranet pages) and `/widget`
(a page that shows it full-size and how to embed it)."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .text import LANGUAGES, esc, t, widget_strings

router = APIRouter(tags=["widget"])
STATIC = Path(__file__).parent / "static"

_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Widget – {title}</title>
<style>
 body {{ font-family: system-ui, sans-serif; margin: 0; display: flex; flex-direction: column; height: 100vh; }}
 header {{ padding: 8px 16px; font-size: 13px; color: #374151; background: #f3f4f6; }}
 code {{ background: #e5e7eb; padding: 1px 4px; border-radius: 3px; }}
 #assistant-widget {{ flex: 1; padding: 12px; box-sizing: border-box; }}
</style>
</head>
<body>
<header>{embed}</header>
<div id="assistant-widget"></div>
<script src="{script}" data-lang="{lang}" data-target="#assistant-widget"></script>
</body>
</html>
"""


@router.get("/widget.js", include_in_schema=False)
def widget_js() -> Response:
    """The widget, with its strings from the translation table (text.py)."""
    script = (STATIC / "widget.js").read_text(encoding="utf-8").replace(
        "__STRINGS__", json.dumps(widget_strings(), ensure_ascii=False))
    return Response(script, media_type="application/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})


@router.get("/widget", response_class=HTMLResponse, summary="Full-page widget with embed instructions")
def widget_page(request: Request, lang: str = "nb") -> HTMLResponse:
    lang = lang if lang in LANGUAGES else "nb"
    script = str(request.url_for("widget_js"))
    embed = esc(t("widget_embed", lang)).format(
        code=f'<code>&lt;script src="{esc(script)}" data-lang="{esc(lang)}"&gt;&lt;/script&gt;</code>',
        target='<code>data-target="#id"</code>', credentials='<code>data-credentials="include"</code>',
        key="<code>data-api-key</code>", cors="<code>ASSISTANT_CORS_ORIGINS</code>")
    return HTMLResponse(_PAGE.format(lang=esc(lang), script=esc(script), title=esc(t("title", lang)), embed=embed))
