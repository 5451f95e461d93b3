"""Python code as highlighted HTML: Pygments when installed, else a small tokenizer-based one.
Both escape the code (it is untrusted text)."""

from __future__ import annotations

import io
import keyword
import tokenize

from gensim.web.html import esc, visible


def highlight_python(code: str) -> str:
    """`code` as a `<pre class=code>` block with inline colours."""
    text = visible(code)
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre class=code>{_small_highlighter(text)}</pre>"
    formatter = HtmlFormatter(noclasses=True, nowrap=True, style="friendly")
    return f"<pre class=code>{highlight(text, PythonLexer(), formatter)}</pre>"


_COLOURS = {"kw": "#7a3e9d", "str": "#0a7a2f", "com": "#8a8a8a", "num": "#b35c00"}


def _small_highlighter(code: str) -> str:
    """Keywords, strings, comments and numbers coloured; untokenizable code shown plain."""
    lines = code.splitlines(keepends=True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return esc(code)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(row: int, column: int) -> int:
        return starts[row - 1] + column if row - 1 < len(starts) else len(code)

    parts: list[str] = []
    at = 0
    for tok in tokens:
        kind = None
        if tok.type == tokenize.NAME and keyword.iskeyword(tok.string):
            kind = "kw"
        elif tok.type == tokenize.STRING:
            kind = "str"
        elif tok.type == tokenize.COMMENT:
            kind = "com"
        elif tok.type == tokenize.NUMBER:
            kind = "num"
        if kind is None:
            continue
        begin, end = offset(*tok.start), offset(*tok.end)
        if begin < at:
            continue
        parts.append(esc(code[at:begin]))
        parts.append(f"<span style='color:{_COLOURS[kind]}'>{esc(code[begin:end])}</span>")
        at = end
    parts.append(esc(code[at:]))
    return "".join(parts)
