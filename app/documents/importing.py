"""Splitting a Markdown file into sections at its headings."""
from __future__ import annotations

import re

from app.validation import normalise_newlines

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^(```|~~~)")


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[end + 5:]
    return text


def split_markdown(text: str) -> tuple[str | None, list[dict]]:
    """(title, sections): a single top heading that opens the file becomes the title;
    every other heading starts a section, its depth giving the section's level (1 to 3)."""
    text = _strip_front_matter(normalise_newlines(text)).strip("\n")
    headings: list[tuple[int, str]] = []
    bodies: list[list[str]] = []
    preamble: list[str] = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            headings.append((len(match.group(1)), match.group(2).strip()))
            bodies.append([])
        elif bodies:
            bodies[-1].append(line)
        else:
            preamble.append(line)
    title = None
    top = [depth for depth, _ in headings]
    if headings and top.count(min(top)) == 1 and top[0] == min(top) and len(headings) > 1:
        title = headings[0][1]
        preamble += bodies[0]
        headings, bodies = headings[1:], bodies[1:]
    sections = []
    if "\n".join(preamble).strip():
        sections.append({"heading": "Preamble", "level": 1, "body": "\n".join(preamble).strip("\n")})
    base = min((depth for depth, _ in headings), default=1)
    for (depth, heading), lines in zip(headings, bodies):
        sections.append({"heading": heading[:300], "level": min(3, depth - base + 1),
                         "body": "\n".join(lines).strip("\n")})
    return title, sections


def section_numbers(levels: list[int]) -> list[str]:
    """Outline numbers for sections at these levels, in order: 1, 2, 2.1, 2.2, 3 ..."""
    counters = [0, 0, 0]
    numbers = []
    for level in levels:
        level = max(1, min(3, level))
        counters[level - 1] += 1
        for deeper in range(level, 3):
            counters[deeper] = 0
        numbers.append(".".join(str(c) for c in counters[:level]))
    return numbers
