"""Markdown rendering: real Python-Markdown output, and nothing executable reaches the page."""
import re

import pytest

from app.documents.rendering import render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '<svg onload="alert(1)"><circle r=10 /></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    "<object data=x.swf></object><embed src=x.swf>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    "<style>body{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    "<!--[if IE]><script>alert(1)</script><![endif]-->",
    '<a href="#" onclick="alert(1)">x</a>',
    '<form action="https://evil.example"><input name=p></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<details open ontoggle="alert(1)">x</details>',
    '<video><source onerror="alert(1)"></video>',
    "<body onload=alert(1)>",
    '<a href="vbscript:msgbox(1)">x</a>',
    '[x](  javascript:alert(1)  "title")',
    '<table><tr><td background="javascript:alert(1)">x</td></tr></table>',
    "Text with a right-to-left override \u202egnp.exe\u202c and isolate \u2066x\u2069",
    "NUL\x00byte inside",
    "<template><script>alert(1)</script></template>",
    '<a href="https://ok.example" target="_blank" onmouseover="alert(1)">ok</a>',
    "x" * 1_000_000,
]

FORBIDDEN = [
    re.compile(r"<\s*(script|iframe|object|embed|svg|math|style|form|input|meta|base|link|template|video|body)\b",
               re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"(javascript|vbscript|data):", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile("[\u202a-\u202e\u2066-\u2069\x00]"),
    re.compile(r"<!--"),
]


@pytest.mark.parametrize("source", HOSTILE, ids=lambda s: s[:40])
def test_hostile_input_renders_to_nothing_executable(source):
    html = render_markdown(source, "s1-")
    for pattern in FORBIDDEN:
        assert not pattern.search(html), f"{pattern.pattern} in {html[:300]}"


def test_hostile_corpus_is_large_enough():
    assert len(HOSTILE) >= 30


def test_markdown_features_render():
    html = render_markdown("## Heading\n\nText[^1] with **bold**.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                           "1. one\n2. two\n\n[^1]: A note.", "section-4-")
    assert '<h2 id="section-4-heading">Heading</h2>' in html
    assert "<strong>bold</strong>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert '<ol>\n<li>one</li>' in html
    assert 'href="#section-4-fn:1"' in html and 'id="section-4-fn:1"' in html


def test_nothing_one_text_defines_carries_over_to_the_next_text_rendered():
    """Each thread keeps one converter and resets it: abbreviations, footnotes, link references and
    heading ids of one section must not appear in another."""
    first = ("# Scope\n\nThe EU buys[^1] from [suppliers][s].\n\n*[EU]: European Union\n\n"
             "[^1]: Through framework contracts.\n\n[s]: https://ted.europa.eu/")
    second = "# Scope\n\nThe EU buys[^1] from [suppliers][s]."
    before = render_markdown(first)
    assert '<abbr title="European Union">EU</abbr>' in before and 'href="https://ted.europa.eu/"' in before
    after = render_markdown(second)
    assert "<abbr" not in after and "Through framework" not in after and "ted.europa.eu" not in after
    assert 'id="scope"' in after and "scope_1" not in after  # heading ids start afresh
    assert "[^1]" in after and "[suppliers][s]" in after
    assert render_markdown(first) == before


def test_safe_links_keep_their_address_and_are_marked_nofollow():
    html = render_markdown("[EU](https://europa.eu/)")
    assert 'href="https://europa.eu/"' in html and "nofollow" in html


def test_an_images_words_stay_in_its_place_and_nothing_is_fetched():
    html = render_markdown("See ![Map of the  partner cities](https://tracker.example/map.png) and ![](a.png).\n\n"
                           "<img src=x alt=typed onerror=alert(1)> [![Logo <b>x</b>](l.png)](https://example.eu)")
    assert "<img" not in html and "tracker.example" not in html and "a.png" not in html
    assert "<span>[Image: Map of the partner cities]</span>" in html
    assert "[Image: Logo &lt;b&gt;x&lt;/b&gt;]" in html  # the words as typed, as text
    assert "typed" not in html  # raw HTML images are dropped whole, as before
