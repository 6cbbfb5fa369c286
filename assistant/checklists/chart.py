"""The readiness picture: one horizontal stacked bar per part of a checklist (PNG bytes).

In the spirit of the EU S3 platform's self-assessment wheel, but as bars so that a checklist
with one or two parts still reads well. Uses the Agg canvas directly: no pyplot global state,
no display needed, safe in a web server thread.
"""
from __future__ import annotations

import io
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Segment order, bokmål legend label, colour.
SEGMENTS = [
    ("ja", "Ja", "#2e7d32"),
    ("delvis", "Delvis", "#f9a825"),
    ("nei", "Nei", "#c62828"),
    ("ikke relevant", "Ikke relevant", "#9e9e9e"),
    (None, "Ubesvart", "#e0e0e0"),
]


def readiness_chart(parts: list[dict], title: str = "Status per del") -> bytes:
    """`parts`: dicts with `name`, `counts` (status or None -> n) and `readiness` (0..1 or None)."""
    height = 1.6 + 0.55 * max(len(parts), 1)
    fig = Figure(figsize=(8.5, height), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    labels = ["\n".join(textwrap.wrap(p["name"].replace("§ ", "§\u00a0"), 28)) for p in parts]
    ys = list(range(len(parts)))[::-1]
    for key, label, colour in SEGMENTS:
        lefts, widths = [], []
        for p in parts:
            total = sum(p["counts"].values()) or 1
            before = 0
            for k, _, _ in SEGMENTS:
                if k == key:
                    break
                before += p["counts"].get(k, 0)
            lefts.append(100 * before / total)
            widths.append(100 * p["counts"].get(key, 0) / total)
        ax.barh(ys, widths, left=lefts, color=colour, label=label, height=0.6, edgecolor="white")
    for y, p in zip(ys, parts):
        text = "–" if p["readiness"] is None else f"{round(100 * p['readiness'])} %"
        ax.text(101.5, y, text, va="center", fontsize=9, fontweight="bold")
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 25, 50, 75, 100], ["0 %", "25 %", "50 %", "75 %", "100 %"], fontsize=8)
    ax.set_xlabel("Andel av punktene (på plass = ja + halvparten av delvis)", fontsize=8)
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28 if len(parts) < 4 else -0.12),
              ncol=5, fontsize=8, frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
