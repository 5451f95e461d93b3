"""Escaping and page layout. Every piece of stored text goes through `esc` (or `attr`) on its
way into a page: task names, code, model output and error messages are untrusted."""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Mapping

# C0/C1 control characters other than tab and newline: shown as \xNN, never sent raw.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def esc(text: object) -> str:
    """`text` as HTML text or attribute value: <, >, &, both quotes escaped; control
    characters shown as \\xNN."""
    return html.escape(visible(text), quote=True)


def visible(text: object) -> str:
    """`text` with control characters (other than tab and newline) written as \\xNN."""
    raw = "" if text is None else str(text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", raw)


def qs(params: Mapping[str, object]) -> str:
    """A query string from the non-empty params (values URL-encoded; escape it with `esc`
    when it goes into an attribute)."""
    kept = {k: str(v) for k, v in params.items() if v not in (None, "", False)}
    return urllib.parse.urlencode(kept)


def path_part(text: str) -> str:
    """`text` as one URL path segment."""
    return urllib.parse.quote(text, safe="")


_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1d3557;color:#fff;padding:.5em 1em;display:flex;gap:1.5em;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:1em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:.8em}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5em;overflow:hidden}
.card img,.card .ph{width:100%;aspect-ratio:2/1;object-fit:cover;background:#eee}
.ph{display:flex;align-items:center;justify-content:center;color:#888;font-size:.8em}
.card h3{margin:.3em 0;font-size:1em;word-break:break-all}
.tag{display:inline-block;background:#e9eef5;border-radius:3px;padding:0 .3em;margin:1px;font-size:.75em}
.muted{color:#777;font-size:.85em}
.ok{color:#1a7f37;font-weight:600}.bad{color:#c62828;font-weight:600}
form.filters{display:flex;flex-wrap:wrap;gap:.5em;margin-bottom:1em;align-items:center}
pre.code{background:#f6f8fa;border:1px solid #ddd;padding:.6em;overflow:auto;font-size:.8em}
table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ddd;padding:.2em .5em;vertical-align:top}
.diff .add{background:#e6ffec}.diff .del{background:#ffebe9}.diff .hunk{color:#6639ba}
figure{margin:0 0 1em 0}figcaption{font-style:italic}
.path{display:flex;gap:.5em;align-items:center;flex-wrap:wrap}.path img{width:200px}
.pager a{margin-right:.6em}
"""


def page(title: str, body: str) -> str:
    """A full HTML page around `body` (already-escaped HTML); `title` is escaped here."""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{esc(title)} · gensim tasks</title><style>{_STYLE}</style></head><body>"
        "<header><a href=/>gensim tasks</a><a href=/library>library</a><a href=/campaigns>campaigns</a>"
        "<form action=/ method=get style='margin-left:auto'>"
        "<input name=q placeholder='search tasks' aria-label=search size=28></form></header>"
        f"<main>{body}</main></body></html>"
    )


def tags(values: object) -> str:
    """Tags as small labels."""
    items = values if isinstance(values, list | tuple) else []
    return "".join(f"<span class=tag>{esc(t)}</span>" for t in items)
