"""HTML to PDF in a separate, limited process (worker.py).

The web worker never runs WeasyPrint itself: it hands the HTML to a child
process with an address-space limit and waits at most the render timeout,
then kills the child's whole process group. A render that fails, runs out
of memory or takes too long raises RenderFailed with a sentence a person
can act on; the web server carries on.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from app.export.messages import RENDER_FAILED, RENDER_TOO_BIG, RENDER_TOO_SLOW, english

WORKER = Path(__file__).resolve().parent / "worker.py"
log = logging.getLogger(__name__)


class RenderFailed(RuntimeError):
    """Its message (messages.py, in English) is stored on the export and said in each reader's language."""


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    refused: list[str] = field(default_factory=list)


def render_pdf(html: str, *, timeout: float = 120, memory_mb: int = 2048, variant: str | None = "pdf/a-3b",
               tags: bool = True) -> Rendered:
    """The PDF of `html`: PDF/A-3b (`variant`) and, always, tagged as PDF/UA-1.

    `tags` is kept for callers that pass EXPORT_PDF_TAGS; it can no longer turn the tags off, because an
    untagged file would fall short of PDF/UA for readers who use assistive technology."""
    command = [sys.executable, str(WORKER), "--memory-mb", str(int(memory_mb)), "--variant", variant or "",
               "--cpu-seconds", str(int(timeout) + 10), "--tags"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, cwd=str(WORKER.parent), env=_child_env())
    try:
        out, err = process.communicate(html.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise RenderFailed(english(RENDER_TOO_SLOW, seconds=f"{timeout:g}")) from None
    except BaseException:
        _kill(process)
        raise
    report = _last_json_line(err)
    if process.returncode != 0 or not out.startswith(b"%PDF"):
        out_of_memory = report.get("error") == "memory" or b"MemoryError" in err or b"Cannot allocate memory" in err
        if out_of_memory or process.returncode in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT):
            raise RenderFailed(english(RENDER_TOO_BIG, megabytes=memory_mb))
        log.error("PDF render failed (exit %s): %s", process.returncode, err[-2000:].decode("utf-8", "replace"))
        raise RenderFailed(english(RENDER_FAILED))
    if report.get("refused"):
        log.warning("PDF render refused %d URL(s): %s", len(report["refused"]), report["refused"][:5])
    return Rendered(out, int(report.get("pages") or 0), list(report.get("refused") or []))


def _child_env() -> dict:
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "FONTCONFIG_PATH", "FONTCONFIG_FILE", "XDG_CACHE_HOME", "TMPDIR")
    return {key: os.environ[key] for key in keep if key in os.environ}


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()


def _last_json_line(err: bytes) -> dict:
    for line in reversed(err.decode("utf-8", "replace").strip().splitlines()):
        start = line.find('{"')
        if start >= 0:
            try:
                return json.loads(line[start:])
            except ValueError:
                continue
    return {}
