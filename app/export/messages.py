"""The export's sentences that are made in one place and read in another: why a render failed (stored on the
export's row by a worker, read by whoever looks at it) and what the check of an uploaded PDF concludes (made
in verification's child process, which has no Flask app, read by the person who uploaded it).

They are made in English, the language of the messages' source (the row and the logs stay the same for every
reader), and put in each reader's language when shown (`translated`). Each is marked with N_ so that pybabel
extracts it (N_ is one of its default keywords) while nothing is translated where it is made.
This module imports nothing of Flask at load time: the verification child process imports it.
"""
from __future__ import annotations

import re
from functools import cache

from app.util import N_

# Why a render failed (Export.error).
RENDER_TOO_SLOW = N_("The PDF took longer than %(seconds)s seconds to render and was stopped.")
RENDER_TOO_BIG = N_("The PDF needed more than %(megabytes)s MiB of memory to render and was stopped.")
RENDER_FAILED = N_("The PDF could not be rendered.")
SEAL_UNREADABLE = N_("The seal %(path)s could not be opened: wrong passphrase or not a PKCS#12 file.")
SEAL_NO_TIME_STAMP = N_("The PDF could not be sealed: the time-stamp server gave no time stamp. Try again later.")
EXPORT_STOPPED = N_("The export stopped unexpectedly.")
RENDER_ABANDONED = N_("The render was started %(times)s times and did not finish: each time the worker doing it "
                      "stopped.")
EXPORT_FAILED = N_("The PDF could not be made.")

# Why an uploaded file could not be checked (validate.NotAPdf, validate.NotChecked).
NOT_A_PDF = N_("That file is not a PDF.")
UNREADABLE_PDF = N_("That file is not a PDF that can be read (%(error)s).")
SEAL_UNEVALUABLE = N_("This file could not be checked: its seal cannot be evaluated. Nothing is concluded about its "
                      "seal.")
CHECK_TOO_SLOW = N_("This file could not be checked: reading it took longer than %(seconds)s seconds. Nothing is "
                    "concluded about its seal.")
CHECK_TOO_BIG = N_("This file could not be checked: reading it needed more than %(megabytes)s MiB of memory. "
                   "Nothing is concluded about its seal.")
CHECK_FAILED = N_("This file could not be checked. Nothing is concluded about its seal.")

# The verdicts (validate.VERDICTS) in a sentence.
VERDICT_TEXT = {
    "genuine": N_("Genuine: sealed by this installation and unchanged since."),
    "genuine_with_later_signatures": N_("Genuine, with later signatures: the file is exactly what this installation "
                                        "sealed; since then only signatures or time stamps were added."),
    "modified_after_sealing": N_("Modified after sealing: what this file shows is not what was sealed. "
                                 "Do not rely on it; use the file as it was sealed instead."),
    "seal_broken": N_("Seal broken: the sealed bytes or the seal's time stamp do not verify, so nothing in this "
                      "file can be relied on."),
    "sealed_by_someone_else": N_("Sealed by someone else: the signature is valid, but its certificate is not this "
                                 "installation's seal certificate, whatever name it carries."),
    "no_seal": N_("No seal: this file carries no seal, so nothing about it can be confirmed. "
                  "Drafts and comparisons are never sealed."),
    "unreadable": N_("Unreadable: this file is not a PDF that can be read."),
    "not_checked": N_("Could not be checked: nothing is concluded about this file's seal."),
}

SHOWN = (RENDER_TOO_SLOW, RENDER_TOO_BIG, RENDER_FAILED, SEAL_UNREADABLE, SEAL_NO_TIME_STAMP, EXPORT_STOPPED,
         RENDER_ABANDONED, EXPORT_FAILED, NOT_A_PDF, UNREADABLE_PDF, SEAL_UNEVALUABLE, CHECK_TOO_SLOW,
         CHECK_TOO_BIG, CHECK_FAILED, *VERDICT_TEXT.values())


def english(message: str, **values) -> str:
    """One of the messages above, made (in English) with its values."""
    return message % values if values else message


@cache
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    def pattern(message: str) -> re.Pattern:
        return re.compile(re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", re.escape(message)), re.S)
    return tuple((message, pattern(message)) for message in SHOWN)


def translated(text: str | None) -> str | None:
    """A sentence made by `english`, in the language in use; any other text (a row written before, a message
    from elsewhere) as it is."""
    if not text:
        return text
    from app.i18n import gettext

    for message, pattern in _patterns():
        match = pattern.fullmatch(text)
        if match:
            return gettext(message, **match.groupdict())
    return text
