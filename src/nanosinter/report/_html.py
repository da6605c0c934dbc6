"""A tiny builder for self-contained HTML pages: every figure embedded, no network needed."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nanosinter._atomic import atomic_write_text

CSS = """
:root { --fg:#1d2430; --muted:#5b6472; --accent:#1f5fa8; --bg:#ffffff; --band:#f4f6f9; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--fg); background: var(--bg); margin: 0; }
header { background: #16324f; color: #fff; padding: 22px 36px; }
header h1 { margin: 0 0 4px 0; font-size: 24px; }
header p { margin: 0; color: #cfe0f3; }
nav { background: var(--band); padding: 8px 36px; border-bottom: 1px solid #dde3ea; }
nav a { color: var(--accent); margin-right: 16px; text-decoration: none; font-size: 14px; }
main { padding: 8px 36px 40px 36px; max-width: 1200px; }
section { margin-top: 26px; }
h2 { font-size: 19px; border-bottom: 2px solid #dde3ea; padding-bottom: 4px; }
h3 { font-size: 16px; margin-bottom: 6px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 14px 0; }
th, td { border: 1px solid #d5dbe3; padding: 4px 9px; text-align: right; }
th { background: var(--band); text-align: center; }
td:first-child, th:first-child, td.t { text-align: left; }
figure { margin: 10px 0 18px 0; display: inline-block; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #e1e6ec; }
figcaption { color: var(--muted); font-size: 13px; max-width: 760px; }
.kpi { display: inline-block; background: var(--band); border-radius: 6px; padding: 10px 16px;
       margin: 6px 10px 6px 0; min-width: 170px; }
.kpi b { display: block; font-size: 20px; color: var(--accent); }
.kpi span { color: var(--muted); font-size: 12px; }
.verdict { font-size: 17px; padding: 10px 14px; border-left: 5px solid var(--accent);
           background: #eef4fb; margin: 10px 0; }
.note { color: var(--muted); font-size: 13px; }
pre { background: var(--band); padding: 10px; overflow: auto; font-size: 12px;
      max-height: 420px; }
.row { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
table.mono td { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px;
                word-break: break-all; }
ol.reasons, ul.notes { margin: 6px 0 10px 0; padding-left: 22px; font-size: 14px; }
ul.notes { color: var(--muted); }
details { margin: 6px 0; }
summary { cursor: pointer; color: var(--accent); }
"""


@dataclass
class Page:
    """Sections of an HTML report, rendered into one self-contained file."""

    title: str
    subtitle: str = ""
    sections: list[tuple[str, str, str]] = field(default_factory=list)  # (id, heading, body)
    extra_html: str = ""  # appended at the end of <body> (e.g. an embedded JSON block)

    def add(self, anchor: str, heading: str, body: str) -> None:
        self.sections.append((anchor, heading, body))

    def render(self) -> str:
        nav = "".join(f'<a href="#{a}">{esc(h)}</a>' for a, h, _ in self.sections)
        body = "".join(
            f'<section id="{a}"><h2>{esc(h)}</h2>{b}</section>' for a, h, b in self.sections
        )
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(self.title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{esc(self.title)}</h1><p>{esc(self.subtitle)}</p></header>"
            f"<nav>{nav}</nav><main>{body}</main>{self.extra_html}</body></html>\n"
        )

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        atomic_write_text(path, self.render())
        return path


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def img_tag(data: bytes, mime: str = "image/png", *, alt: str = "",
            width: int | None = None) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    w = f' width="{int(width)}"' if width else ""
    return f'<img src="data:{mime};base64,{b64}" alt="{esc(alt)}"{w}>'


def figure_html(data: bytes, caption: str, *, mime: str = "image/png",
                width: int | None = None) -> str:
    """A figure with an embedded image; *caption* is HTML (escape user text first)."""
    img = img_tag(data, mime, alt=html.unescape(caption), width=width)
    # A figure of given width wraps its caption at that width (so it fits beside a table).
    style = f' style="max-width:{int(width) + 2}px"' if width else ""
    return f"<figure{style}>{img}<figcaption>{caption}</figcaption></figure>"


def fig_to_png(fig: Any, *, dpi: int = 110) -> bytes:
    """Render a matplotlib Figure to PNG bytes and close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def fmt(value: Any, digits: int = 4) -> str:
    """Format a number compactly; None/NaN become an em dash."""
    if value is None:
        return "—"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value)}"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if not np.isfinite(f):
        return "—"
    if f != 0 and (abs(f) >= 1e5 or abs(f) < 1e-3):
        return f"{f:.{max(digits - 1, 1)}e}"
    return f"{f:.{digits}g}"


def table_html(rows: list[dict[str, Any]], columns: list[str] | None = None,
               headers: dict[str, str] | None = None) -> str:
    """An HTML table from a list of dicts (first column left-aligned)."""
    if not rows:
        return '<p class="note">(no rows)</p>'
    columns = columns or list(rows[0].keys())
    headers = headers or {}
    head = "".join(f"<th>{esc(headers.get(c, c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(_cell(r.get(c)) for c in columns) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    """A table cell: numbers right-aligned, text left-aligned."""
    text = fmt(value)
    numeric = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_)
    return f"<td>{text}</td>" if numeric or text == "—" else f'<td class="t">{text}</td>'


def kpi_html(items: list[tuple[str, str]]) -> str:
    return "".join(f'<div class="kpi"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for k, v in items)
