"""Limits on Markdown: what Python-Markdown may be given, and how long it may take.

Python-Markdown is pure Python with no time limit of its own, and some shapes of text cost it far more
than their size: square brackets left open are scanned to the end of their paragraph, each of them
(quadratic: 4,000 take 1.5 s, 50 in a 1 MiB paragraph 17 s); lists, quotes or definitions nested or
chained a few hundred deep exhaust Python's stack (RecursionError); many inline marks in one paragraph
are quadratic too. bench/README.md ("Bounded Markdown") has the figures.

Two guards, in this order:

1. `shape_problem(text)`: linear checks of the known classes (nesting depth, brackets left open,
   runs of emphasis marks, definitions chained without a blank line, one footnote referred to very
   often), so a writer is told precisely what to change, without spending the time bound on it.
2. `BoundedRenderer`: whatever passes is rendered (converted and sanitised, markdown_core.py) in a
   separate, persistent render process with a time limit (it is killed and replaced when it is over)
   and a memory limit (RLIMIT_AS), so a shape nobody has thought of is bounded too.
"""
from __future__ import annotations

import os
import re
import select
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from app.util import N_

MAX_NESTING = 50  # quotes, list items and definitions inside each other; 250 raise RecursionError
MAX_BRACKET_SCAN = 2_000_000  # characters scanned for the ] or ) that closes a [ or ]( (about 0.7 s here)
MAX_MARK_RUN = 500  # * or _ in a row touching text; 2,000 raise RecursionError
MAX_CHAINED_DEFINITIONS = 200  # definitions without a blank line between them; 600 raise RecursionError
MAX_FOOTNOTE_REFERENCES = 200  # references to one footnote: quadratic (800 take 0.9 s)


def translating() -> bool:
    """Whether words can be said in a reader's language here: not outside an app, nor in an app without
    Flask-Babel (scripts, pure tests), where they stay English."""
    from flask import current_app, has_app_context

    return has_app_context() and "babel" in current_app.extensions


class Problem(str):
    """Why a text cannot be formatted, a clause (no capital, no full stop): as a str, in English (logs,
    benchmarks, what is kept across requests); `said()` in the language of whoever reads it now. Whole
    numbers are written with thousands separators, other numbers as short decimals."""

    message: str
    params: dict

    def __new__(cls, message: str, **params):
        english = {k: f"{v:,}" if isinstance(v, int) else f"{v:g}" if isinstance(v, float) else v
                   for k, v in params.items()}
        self = super().__new__(cls, message % english if params else message)
        self.message, self.params = message, params
        return self

    def said(self) -> str:
        from app.i18n import format_decimal, format_number, gettext

        if not translating():
            return str(self)
        local = {k: format_number(v) if isinstance(v, int) else format_decimal(v) if isinstance(v, float) else v
                 for k, v in self.params.items()}
        return gettext(self.message, **local)


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


# --- 1. Shape checks -------------------------------------------------------------------------------------

_PREFIX_CHARS = r"[ \t>*+\-:\d.)]"
_DEEP_PREFIX = re.compile(rf"^(?={_PREFIX_CHARS}{{{MAX_NESTING + 1}}}){_PREFIX_CHARS}+", re.M)
_LIST_MARKER = re.compile(r"(?:^|(?<=[ \t>]))(?:[-*+:]|\d{1,9}[.)])(?=[ \t]|$)")
_INDENT = re.compile(r"[ \t]+")


def _nesting_problem(text: str) -> Problem | None:
    """Lines that open containers inside containers: `>` quotes, list items, definitions, and the
    indentation (4 columns a level) that nests list items in each other."""
    for match in _DEEP_PREFIX.finditer(text):
        prefix = match.group()
        quotes = prefix.count(">")
        lists = len(_LIST_MARKER.findall(prefix))
        indents = sum(len(run.expandtabs(4)) // 4 for run in _INDENT.findall(prefix)) if lists else 0
        depth = quotes + lists + indents
        if depth > MAX_NESTING:
            line = _line_of(text, match.start())
            if not (lists or indents):
                return Problem(N_("quotes are nested %(depth)s deep (line %(line)s); at most %(most)s levels "
                                  "are allowed"), depth=depth, line=line, most=MAX_NESTING)
            if not quotes:
                return Problem(N_("lists are nested %(depth)s deep (line %(line)s); at most %(most)s levels "
                                  "are allowed"), depth=depth, line=line, most=MAX_NESTING)
            return Problem(N_("quotes and lists are nested %(depth)s deep (line %(line)s); at most %(most)s "
                              "levels are allowed"), depth=depth, line=line, most=MAX_NESTING)
    return None


_BRACKET_EVENT = re.compile(r"\n[ \t]*(?=\n)|\]\(|[\[\]()]")


def _bracket_problem(text: str) -> Problem | None:
    """For each `[`, Python-Markdown scans ahead for the `]` that closes it, and after `](` for the `)`;
    one left open is scanned to the end of its paragraph. Adds up those scans (linear, with a stack)
    and stops as soon as they pass MAX_BRACKET_SCAN."""
    if "[" not in text:
        return None
    brackets: list[int] = []
    parens: list[int] = []
    bracket_sum = paren_sum = scanned = 0
    paragraph_start = 0
    for event in _BRACKET_EVENT.finditer(text):
        position, token = event.start(), event.group()
        if token == "[":
            brackets.append(position)
            bracket_sum += position
        elif token in ("]", "]("):
            if brackets:
                opened = brackets.pop()
                bracket_sum -= opened
                scanned += position - opened
            if token == "](":
                parens.append(position)
                paren_sum += position
        elif token == "(":
            if parens:
                parens.append(position)
                paren_sum += position
        elif token == ")":
            if parens:
                opened = parens.pop()
                paren_sum -= opened
                scanned += position - opened
        else:  # a blank line ends the paragraph: what is open there was scanned to here
            scanned += len(brackets) * position - bracket_sum + len(parens) * position - paren_sum
            brackets.clear()
            parens.clear()
            bracket_sum = paren_sum = 0
            paragraph_start = position + 1
        pending = len(brackets) * position - bracket_sum + len(parens) * position - paren_sum
        if scanned + pending > MAX_BRACKET_SCAN:
            break
    else:
        end = len(text)
        scanned += len(brackets) * end - bracket_sum + len(parens) * end - paren_sum
        if scanned <= MAX_BRACKET_SCAN:
            return None
    still_open = len(brackets) + len(parens)
    return Problem(N_("square brackets or link addresses are left open or nested %(times)s times in one "
                      "paragraph (from line %(line)s); close them with ] or ), or split the paragraph"),
                   times=max(still_open, 2), line=_line_of(text, paragraph_start))


_MARK_RUN = re.compile(rf"[*_][*_]{{{MAX_MARK_RUN}}}[*_]*")  # [*_]{501,}, written so that re scans faster


def _mark_run_problem(text: str) -> Problem | None:
    """A long run of marks between words opens (or closes) that many nested emphases; alone on a line or
    between spaces (a rule, a blank to fill in) it is harmless."""
    for match in _MARK_RUN.finditer(text):
        start, end = match.span()
        if (start and not text[start - 1].isspace()) or (end < len(text) and not text[end].isspace()):
            return Problem(N_("emphasis marks (* or _) are repeated %(times)s times in a row (line %(line)s); "
                              "at most %(most)s are allowed"),
                           times=end - start, line=_line_of(text, start), most=str(MAX_MARK_RUN))
    return None


_DEFINITION = re.compile(r"^ {0,3}:[ \t]", re.M)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _definition_problem(text: str) -> Problem | None:
    chained, previous, first = 0, None, 0
    for match in _DEFINITION.finditer(text):
        if previous is None or _BLANK_LINE.search(text, previous, match.start()):
            chained, first = 0, match.start()
        chained += 1
        previous = match.end()
        if chained > MAX_CHAINED_DEFINITIONS:
            return Problem(N_("more than %(most)s definitions follow each other without a blank line "
                              "(from line %(line)s); separate them with blank lines"),
                           most=str(MAX_CHAINED_DEFINITIONS), line=_line_of(text, first))
    return None


_FOOTNOTE_REFERENCE = re.compile(r"\[\^([^\]\s]+)\](?!:)")


def _footnote_problem(text: str) -> Problem | None:
    if "[^" not in text:
        return None
    counts = Counter(_FOOTNOTE_REFERENCE.findall(text))
    if not counts:
        return None
    label, times = counts.most_common(1)[0]
    if times <= MAX_FOOTNOTE_REFERENCES:
        return None
    return Problem(N_("the footnote [^%(label)s] is referred to %(times)s times; at most %(most)s references "
                      "to one footnote are allowed"), label=label, times=times, most=str(MAX_FOOTNOTE_REFERENCES))


_SHAPE_CHECKS = (_nesting_problem, _mark_run_problem, _definition_problem, _footnote_problem, _bracket_problem)


def shape_problem(text: str) -> Problem | None:
    """What makes this text too complex to render, in plain words (a clause, no capital, no full stop),
    or None. Linear in the text's length."""
    for check in _SHAPE_CHECKS:
        problem = check(text)
        if problem:
            return problem
    return None


# --- 2. The bounded render process -----------------------------------------------------------------------

WORKER_SCRIPT = Path(__file__).resolve().with_name("markdown_worker.py")
_REQUEST = struct.Struct(">?II")  # for print, then the lengths of the id prefix and of the text (UTF-8)
_ANSWER = struct.Struct(">cI")  # status (o: HTML follows, r: RecursionError, m: MemoryError, e: another error)
FAILURES = {b"r": Problem(N_("it is nested too deeply to display")),
            b"m": Problem(N_("it needs too much memory to display")),
            b"e": Problem(N_("it could not be formatted"))}


# The time bound counts the render process's CPU seconds; the wall clock stops it at this many times that.
WALL_FACTOR = 3
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class RenderOverBound(Exception):
    """The text could not be converted within its bound; `reason` says why in plain words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Process:
    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        self.popen = subprocess.Popen(
            [sys.executable, "-I", str(WORKER_SCRIPT), "--memory-mb", str(memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0,
            close_fds=True)
        self.stdin = self.popen.stdin.fileno()
        self.stdout = self.popen.stdout.fileno()

    def cpu_seconds(self) -> float | None:
        """CPU time the process has used (Linux /proc), or None where it cannot be read."""
        try:
            with open(f"/proc/{self.popen.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            return None

    def render(self, text: bytes, prefix: bytes, for_print: bool, seconds: float) -> tuple[bytes, bytes]:
        """The bound is `seconds` of the process's own CPU time: on a machine busy with other work the
        wall clock runs faster than the rendering, and a text must not be judged too complex because the
        server was busy. The wall clock still stops it at WALL_FACTOR times the bound."""
        started, cpu_at_start = time.monotonic(), self.cpu_seconds()
        hard_stop = started + seconds * WALL_FACTOR

        def wait_until(deadline: float) -> float | None:
            """A new deadline when the time so far went to other processes, else None (over its bound)."""
            now = time.monotonic()
            used = self.cpu_seconds()
            if cpu_at_start is None or used is None or now >= hard_stop:
                return None
            left = seconds - (used - cpu_at_start)
            return min(now + left, hard_stop) if left > 0.01 else None

        self._deadline, self._extend = started + seconds, wait_until
        self._write(_REQUEST.pack(for_print, len(prefix), len(text)) + prefix + text)
        status, length = _ANSWER.unpack(self._read(_ANSWER.size))
        return status, self._read(length)

    def _wait(self, readable: list, writable: list) -> None:
        while True:
            ready = select.select(readable, writable, [], max(0.0, self._deadline - time.monotonic()))
            if ready[0] or ready[1]:
                return
            later = self._extend(self._deadline)
            if later is None:
                raise TimeoutError
            self._deadline = later

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            self._wait([], [self.stdin])
            view = view[os.write(self.stdin, view[:65536]):]

    def _read(self, size: int) -> bytes:
        chunks, missing = [], size
        while missing:
            self._wait([self.stdout], [])
            chunk = os.read(self.stdout, min(missing, 1 << 20))
            if not chunk:
                raise EOFError("the render process ended")
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.popen.kill()
        self.popen.wait()
        self.popen.stdin.close()
        self.popen.stdout.close()


class BoundedRenderer:
    """Markdown to safe HTML in render processes, one per thread that converts at the same
    moment, kept for the next conversion. A process over its time is killed (a new one starts on the
    next call); one over its memory answers MemoryError. Started with fork+exec (subprocess), never a
    bare fork, so threads of the web server are no concern; processes inherited from a parent by
    fork are not used."""

    MAX_IDLE = 4

    def __init__(self):
        self._lock = threading.Lock()
        self._idle: list[_Process] = []
        self._pid = os.getpid()

    def _take(self, memory_mb: int) -> _Process:
        with self._lock:
            if self._pid != os.getpid():  # forked: those pipes are the parent's
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                process = self._idle.pop()
                if process.memory_mb == memory_mb and process.popen.poll() is None:
                    return process
                process.close()
        return _Process(memory_mb)

    def _give_back(self, process: _Process) -> None:
        with self._lock:
            if self._pid == os.getpid() and len(self._idle) < self.MAX_IDLE:
                self._idle.append(process)
                return
        process.close()

    def render(self, text: str, id_prefix: str, for_print: bool, seconds: float, memory_mb: int) -> str:
        process = self._take(memory_mb)
        try:
            status, payload = process.render(text.encode("utf-8"), id_prefix.encode("utf-8"), for_print,
                                             seconds)
        except TimeoutError:
            process.close()
            raise RenderOverBound(Problem(N_("it takes more than %(seconds)s seconds to format"),
                                          seconds=float(seconds))) from None
        except (OSError, EOFError, struct.error):
            process.close()
            raise RenderOverBound(FAILURES[b"e"]) from None
        self._give_back(process)
        if status != b"o":
            raise RenderOverBound(FAILURES.get(status, FAILURES[b"e"]))
        return payload.decode("utf-8")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for process in idle:
            process.close()
