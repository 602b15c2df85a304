"""Markdown to safe HTML, bounded in time and memory.

markdown_core.py renders (Python-Markdown, then nh3's allow-list). Here that rendering gets its bounds
(markdown_bounds.py): a text of a shape known to be too costly, or whose rendering takes longer than
MARKDOWN_RENDER_SECONDS, is shown as written (escaped, in a <pre>) with a note saying why, instead of a
page that waits or fails. Once the text is edited into something sane it renders normally.
`check_renderable` and `render_checked` tell the same thing to a writer as Invalid (400,
markdown_too_complex).
"""
from __future__ import annotations

import html as html_module
import logging
import re
from functools import lru_cache
from typing import NamedTuple

from flask import current_app, has_app_context

from app.documents.markdown_bounds import (
    BoundedRenderer,
    Problem,
    RenderOverBound,
    shape_problem,
    translating,
)
from app.documents.markdown_core import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES  # noqa: F401 - public
from app.errors import Invalid
from app.i18n import _
from app.util import N_

log = logging.getLogger(__name__)

# Direction overrides can make text read differently from what it is (Trojan Source).
_INVISIBLE = re.compile("[\u0000\u202a-\u202e\u2066-\u2069]")
# A lone surrogate (JSON can carry "\\ud800") can be neither encoded nor sanitised.
_SURROGATE = re.compile("[\ud800-\udfff]")

# Without an app (scripts, pure tests); config.py: MARKDOWN_RENDER_SECONDS, MARKDOWN_RENDER_MEMORY_MB.
RENDER_SECONDS = 2.0
RENDER_MEMORY_MB = 512

_renderer = BoundedRenderer()


def _settings() -> tuple[float, int]:
    if has_app_context():
        config = current_app.config
        return float(config["MARKDOWN_RENDER_SECONDS"]), int(config["MARKDOWN_RENDER_MEMORY_MB"])
    return RENDER_SECONDS, RENDER_MEMORY_MB


def fallback_html(text: str, reason: str) -> str:
    """The text as written, escaped, with a note saying why it is not formatted (in the reader's language)."""
    return _with_note(_as_written(text), reason)


_FALLBACK_NOTE = N_("This text is shown as written: its formatting is too complex to display (%(reason)s).")


def _as_written(text: str) -> str:
    return f"<pre>{html_module.escape(text)}</pre>"


def _with_note(as_written: str, reason: str) -> str:
    said = reason.said() if isinstance(reason, Problem) else reason
    note = _FALLBACK_NOTE % {"reason": said} if not translating() else _(_FALLBACK_NOTE, reason=said)
    return (f'<div class="markdown-fallback"><p class="markdown-fallback-note">{html_module.escape(note)}</p>'
            f"{as_written}</div>")


class Rendered(NamedTuple):
    """What is kept of a rendering, the same in every language: the safe HTML, or, with a problem, the
    text as written (a <pre>) to which `shown` adds the note in the reader's language."""
    html: str
    problem: Problem | None  # why the text is shown as written (a clause), or None when it is formatted

    def shown(self) -> str:
        return self.html if self.problem is None else _with_note(self.html, self.problem)


def _render(text: str | None, id_prefix: str, for_print: bool = False) -> Rendered:
    text = _SURROGATE.sub("\ufffd", _INVISIBLE.sub("", text or ""))
    problem = shape_problem(text)
    if problem is None:
        try:
            # Always in the render process, whatever the size: the round trip costs tens of microseconds
            # (bench/README.md, "Bounded Markdown"), less than telling which texts would be safe here.
            seconds, memory_mb = _settings()
            return Rendered(_renderer.render(text, id_prefix, for_print, seconds, memory_mb), None)
        except RenderOverBound as over:
            problem = over.reason
        except Exception:  # a bug must not cost a page: the text is still shown, and the bug logged
            log.exception("Markdown rendering failed")
            problem = Problem(N_("it could not be formatted"))
    return Rendered(_as_written(text), problem)


def render_markdown(text: str, id_prefix: str = "") -> str:
    """Safe HTML for a Markdown text. Never raises, and never takes longer than MARKDOWN_RENDER_SECONDS
    (plus linear shape checks): a text that cannot be formatted within them is shown as written."""
    return _render(text, id_prefix).shown()


@lru_cache(maxsize=2048)
def _render_cached(text: str, id_prefix: str) -> Rendered:
    return _render(text, id_prefix)


def render_cached(text: str, id_prefix: str = "") -> str:
    """Rendering is the costly part of a page; identical inputs give identical HTML. A text shown as
    written is remembered as such too (until it changes), so it costs its bound once, not per reader."""
    return _render_cached(text, id_prefix).shown()


@lru_cache(maxsize=1024)
def _render_for_print_cached(text: str, id_prefix: str) -> Rendered:
    return _render(text, id_prefix, for_print=True)


def render_for_print(text: str, id_prefix: str = "") -> str:
    """As render_cached, without relative links or images: in a PDF they would resolve against the
    renderer's own folder (a file: address naming the server's paths) instead of the app."""
    return _render_for_print_cached(text, id_prefix).shown()


def _sentence(clause: Problem) -> str:
    said = clause.said()
    return f"{said[:1].upper()}{said[1:]}."


def check_renderable(text: str) -> None:
    """Raises Invalid (code markdown_too_complex) naming the problem when render_markdown would show this
    text as written instead of formatting it: for previews, comments and saves, before storing."""
    problem = _render_cached(text, "").problem
    if problem:
        raise Invalid(_sentence(problem), code="markdown_too_complex")


def render_checked(text: str, id_prefix: str = "") -> str:
    """As render_cached, but a text that cannot be formatted raises Invalid (code markdown_too_complex)
    instead of coming back as written: one rendering for a preview that must say what is wrong."""
    rendered = _render_cached(text, id_prefix)
    if rendered.problem:
        raise Invalid(_sentence(rendered.problem), code="markdown_too_complex")
    return rendered.html
