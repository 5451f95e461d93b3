"""Escaping and highlighting: untrusted text never becomes markup."""

from __future__ import annotations

from gensim.web.highlight import _small_highlighter, highlight_python
from gensim.web.html import esc

CODE = "x = '<script>alert(1)</script>'  # </pre><b>\n\x1bdef f(): return 1\n"


def test_esc_escapes_markup_quotes_and_control_characters() -> None:
    assert esc("<a href='x' title=\"y\">&\x00\x1b\x9b</a>") == (
        "&lt;a href=&#x27;x&#x27; title=&quot;y&quot;&gt;&amp;\\x00\\x1b\\x9b&lt;/a&gt;")
    assert esc(None) == "" and esc("tab\tand\nnewline") == "tab\tand\nnewline"


def test_both_highlighters_escape_the_code() -> None:
    for html in (highlight_python(CODE), _small_highlighter(CODE.replace("\x1b", "\\x1b"))):
        assert "<script>" not in html and "</pre><b>" not in html and "\x1b" not in html
        assert "&lt;script&gt;" in html


def test_the_small_highlighter_colours_keywords_and_keeps_broken_code() -> None:
    html = _small_highlighter("def f():\n    return 'a'  # c\n")
    assert "<span style='color:#7a3e9d'>def</span>" in html and "# c" in html
    assert _small_highlighter("def f(:\n  '''<open") == "def f(:\n  &#x27;&#x27;&#x27;&lt;open"
