"""Field types of the API's request models: what the services accept, said in the OpenAPI description.

The request models check the shape (pydantic, strict); the services check the rules, with their own
messages, for pages and API alike. These types carry those rules into the description (lengths, choices,
id ranges, which characters text may hold) without checking them a second time, and tests/test_api_fuzz.py
(Schemathesis) fails when the two disagree in either direction.
"""
from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Annotated

import pycountry
from pydantic import BeforeValidator, Field, WithJsonSchema

from app.validation import MAX_ID


def _ranges(codepoints: list[int]) -> str:
    """A character class body for the given code points, as ranges of the characters themselves (none of
    them is special in a class), so that every regular-expression dialect reads it alike."""
    parts, start = [], None
    for i, cp in enumerate(codepoints):
        if start is None:
            start = cp
        if i + 1 == len(codepoints) or codepoints[i + 1] != cp + 1:
            parts.append(chr(start) if start == cp else f"{chr(start)}-{chr(cp)}")
            start = None
    return "".join(parts)


@cache
def _characters() -> tuple[list[int], list[int], list[int]]:
    """Control and format characters, line and paragraph separators, and spaces: one pass over every code
    point (about 0.25 s), made the first time a description is asked for, not when the app starts."""
    control, separators, spaces = [], [], []
    for cp in range(sys.maxunicode + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        category = unicodedata.category(chr(cp))
        if category in ("Cc", "Cf"):
            control.append(cp)
        elif category in ("Zl", "Zp"):
            separators.append(cp)
        if chr(cp).isspace():
            spaces.append(cp)
    return control, separators, spaces


def _refused(multiline: bool) -> list[int]:
    """What validation.clean_text refuses in text: control and format characters (but the zero-width
    joiners), and in one-line text also the line and paragraph separators."""
    control, separators, _spaces = _characters()
    allowed = {0x200C, 0x200D} | ({ord(c) for c in "\n\r\t"} if multiline else set())
    return sorted(cp for cp in control + ([] if multiline else separators) if cp not in allowed)


@cache
def _pattern(multiline: bool, required: bool) -> str:
    # The text is trimmed first (strip(): every space, some control characters among them), then judged.
    refused, space = _refused(multiline), _characters()[2]
    ends, inside = f"[{_ranges(space)}]*", f"[^{_ranges(refused)}]*"
    if not required:
        return f"^{ends}{inside}{ends}$"
    # strip() leaves nothing of a blank text: a required one holds some other character.
    return f"^{ends}{inside}[^{_ranges(sorted(set(refused) | set(space)))}]{inside}{ends}$"


def text_schema(max_length: int, *, required: bool = True, multiline: bool = False) -> dict:
    """Text as validation.clean_text takes it: trimmed, at most `max_length` characters, no control
    characters, and when required not blank."""
    return {"type": "string", "maxLength": max_length, "pattern": _pattern(multiline, required)}


@dataclass(frozen=True)
class _TextSchema:
    """text()'s JSON schema, made when the OpenAPI description is built (pydantic asks for it then)."""
    max_length: int
    required: bool
    multiline: bool

    def __get_pydantic_json_schema__(self, _core_schema, _handler) -> dict:
        return text_schema(self.max_length, required=self.required, multiline=self.multiline)


def text(max_length: int, *, required: bool = True, multiline: bool = False):
    return Annotated[str, _TextSchema(max_length, required, multiline)]


# Text the services keep as written (a section's body, a Markdown file): only NUL is refused.
FreeText = Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[^\x00]*$"})]


SomeText = Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[^\x00]*[^\x00\\s][^\x00]*$"})]


def together(present: dict[str, dict], *, blank_is_absent: bool = False):
    """A model's json_schema_extra: the named fields come together or not at all (null, and with
    `blank_is_absent` blank text, counts as not given). `present` maps each to its schema when given (or to a
    function that makes it, called when the description is built)."""
    def extra(schema: dict) -> None:
        blank = {"type": "string", "pattern": f"^[{_ranges(_characters()[2])}]*$"}
        nothing = [{"type": "null"}] + ([blank] if blank_is_absent else [])
        given = {name: value() if callable(value) else value for name, value in present.items()}
        schema["anyOf"] = [{"properties": {name: {"anyOf": nothing} for name in present}},
                           {"required": list(present), "properties": given}]
    return extra


def choice(choices):
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(choices)})]


def _whole(value):
    """JSON Schema counts 3.0 as an integer, so the models take it as 3 (strict mode refuses floats)."""
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**63 else value


def whole_number(minimum: int, maximum: int):
    """An integer the description bounds; the services check the bounds, each with its own message."""
    return Annotated[int, BeforeValidator(_whole),
                     WithJsonSchema({"type": "integer", "minimum": minimum, "maximum": maximum})]


Id = whole_number(1, MAX_ID)
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# A position in a text, bounded here (no service reads one that goes unused: a start of -1 beside no quote
# was accepted while the description refuses it).
Position = Annotated[int, BeforeValidator(_whole), Field(ge=0, le=MAX_ID),
                     WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_ID})]
Number = Annotated[int, BeforeValidator(_whole)]
Email = Annotated[str, WithJsonSchema({"type": "string", "format": "email", "maxLength": 254})]
Country = Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(c.alpha_2 for c in pycountry.countries)})]


def password(min_length: int):
    return Annotated[str, WithJsonSchema({"type": "string", "minLength": min_length, "maxLength": 1024})]


_YEAR = "(?:20[0-9]{2}|2100)"
_DAY = f"{_YEAR}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
Day = Annotated[str, WithJsonSchema({"type": "string", "pattern": f"^{_DAY}$"})]
Timeframe = Annotated[str, WithJsonSchema({"type": "string", "pattern": f"^(?:|{_DAY}|{_YEAR}-Q[1-4])$"})]
