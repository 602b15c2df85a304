"""The roadmap page's summary and quarter timeline, from the actions as the page lists them. Pure functions."""
from __future__ import annotations

from datetime import date

from app.roadmaps.models import ACTION_STATUSES
from app.roadmaps.timeframes import quarter_bounds, quarter_label, quarters_between


def summary_counts(items: list[dict], key: str = "status") -> dict[str, int]:
    counts = {status: 0 for status in ACTION_STATUSES}
    for item in items:
        counts[item[key]] = counts.get(item[key], 0) + 1
    return counts


def timeline(items: list[dict], limit: int = 40) -> tuple[list[dict], list[dict]]:
    """Quarters in order, each with the actions running in it (starting, due or continuing),
    and the actions that have no date at all."""
    dated = [i for i in items if i["start_on"] or i["due_on"]]
    undated = [i for i in items if not (i["start_on"] or i["due_on"])]
    if not dated:
        return [], undated
    days = [date.fromisoformat(d) for i in dated for d in (i["start_on"], i["due_on"]) if d]
    quarters = []
    for year, quarter in quarters_between(min(days), max(days), limit):
        first, last = quarter_bounds(year, quarter)
        entries = []
        for item in dated:
            start = date.fromisoformat(item["start_on"]) if item["start_on"] else None
            due = date.fromisoformat(item["due_on"]) if item["due_on"] else None
            begin, end = start or due, due or start
            if begin > last or end < first:
                continue
            notes = []
            if start is not None and first <= start <= last:
                notes.append("starts")
            if due is not None and first <= due <= last:
                notes.append("due")
            entries.append({"item": item, "notes": notes or ["continues"]})
        quarters.append({"label": quarter_label(year, quarter), "entries": entries})
    return quarters, undated
