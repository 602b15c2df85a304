"""Roadmap actions as a spreadsheet (CSV) and as due dates for a calendar (iCalendar)."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.roadmaps.models import ACTION_STATUSES, RoadmapAction
from app.roadmaps.services import action_display, live_section_numbers, progress_status, snapshot_of
from app.roadmaps.timeframes import timeframe_words
from app.validation import one_line

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


# The header row, in the language of the person downloading (short lower-case words, as a spreadsheet's
# column names; in English they double as the columns' stable names).
CSV_COLUMNS = {
    # TRANSLATORS: CSV column headers of the roadmap actions spreadsheet: short, lower case, no spaces needed.
    "id": _l("id"), "document_id": _l("document_id"), "document": _l("document"), "position": _l("position"),
    "section": _l("section"), "title": _l("title"), "status": _l("status"), "current_status": _l("current_status"),
    "owners": _l("owners"), "lead": _l("lead"), "start": _l("start"), "due": _l("due"),
    "description": _l("description"),
}


def export_rows(actions: list[RoadmapAction]) -> list[dict]:
    rows = []
    section_cache: dict[int, dict] = {}
    for position, action in enumerate(actions, start=1):
        document = action.document
        if document.id not in section_cache:
            section_cache[document.id] = live_section_numbers(document)
        data = action_display(action.id, snapshot_of(action), section_cache[document.id], "x-")
        data.update({"document_id": document.id, "document": document.title, "position": position,
                     "current_status": progress_status(action) if document.final_version_id else action.status})
        rows.append(data)
    return rows


# The separators a download may ask for: a comma (the CSV standard) or a semicolon, which spreadsheets set up for
# languages that write a decimal comma (most of Europe) expect.
CSV_SEPARATORS = {"comma": ",", "semicolon": ";"}
# A UTF-8 byte-order mark first, so that a spreadsheet opening the file by double-click reads it as UTF-8 (without
# it, Excel guesses a legacy code page and accents come out garbled); csv readers given "utf-8-sig" skip it.
BOM = "\ufeff"


def actions_csv(rows: list[dict], separator: str = "comma") -> str:
    """The actions as CSV text starting with a byte-order mark, cells separated by CSV_SEPARATORS[separator]."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=CSV_SEPARATORS[separator], lineterminator="\r\n")
    writer.writerow([str(header) for header in CSV_COLUMNS.values()])
    for row in rows:
        writer.writerow([_cell(v) for v in (
            row["action_id"], row["document_id"], row["document"], row["position"],
            f"§{row['section']} {row['section_heading']}" if row["section"] else "", row["title"],
            row["status_label"], str(ACTION_STATUSES.get(row["current_status"], row["current_status"])),
            "; ".join(o["name"] for o in row["owners"]), row["lead"]["name"] if row["lead"] else "",
            timeframe_words(row["start"]), timeframe_words(row["due"]), row["description"])])
    return out.getvalue()


def actions_ics(rows: list[dict], calendar_name: str, base_url: str) -> bytes:
    """An iCalendar feed with one all-day event on each action's due date (actions without one are left out),
    its words in the language of the person downloading."""
    from icalendar import Calendar, Event, vText

    calendar = Calendar()
    calendar.add("prodid", "-//Accord//Roadmap actions//EN")
    calendar.add("version", "2.0")
    # icalendar types NAME (RFC 7986) and X-WR-CALNAME as unknown and writes them as they come: a title holding
    # ";", "," or "\\" would be misread, a line break would start a property of its own. As vText they are escaped
    # per RFC 5545; one_line first, as for every text here, since readers may break lines at U+2028.
    name = one_line(calendar_name)
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    stamp = datetime.now(UTC).replace(microsecond=0)
    host = base_url.split("//", 1)[-1].split("/", 1)[0] or "accord"
    for row in rows:
        if not row["due_on"]:
            continue
        event = Event()
        event.add("uid", f"action-{row['action_id']}-due@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", date.fromisoformat(row["due_on"]))
        event.add("summary", one_line(_("Due: %(title)s", title=row["title"])))
        lines = [_("Roadmap: %(title)s", title=row["document"]), _("Due: %(when)s", when=timeframe_words(row["due"])),
                 _("Status: %(status)s", status=row["status_label"])]
        if row["owners"]:
            lines.append(_("Owners: %(names)s", names=", ".join(o["name"] for o in row["owners"])))
        if row["lead"]:
            lines.append(_("Lead: %(name)s", name=row["lead"]["name"]))
        event.add("description", "\n".join(one_line(line) for line in lines))
        event.add("url", f"{base_url.rstrip('/')}/documents/{row['document_id']}/actions#action-{row['action_id']}")
        calendar.add_component(event)
    return calendar.to_ical()
