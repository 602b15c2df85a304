"""Field rules shared by every service, so pages and the API refuse the same input."""
from __future__ import annotations

import unicodedata

import pycountry
from email_validator import EmailNotValidError, validate_email
from werkzeug.routing import IntegerConverter

from app.errors import Invalid, TooLarge
from app.i18n import _, current_language

# Ids are INTEGER columns: PostgreSQL's largest. A larger number names nothing (and
# SQLite cannot even compare with one beyond 64 bits: it raises instead of answering).
MAX_ID = 2**31 - 1


class FieldErrors:
    """Collects per-field messages, then raises one Invalid with all of them."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, message)

    def raise_if_any(self, message: str | None = None) -> None:
        if self.fields:
            raise Invalid(message or _("Some fields are not valid."), fields=dict(self.fields))


def is_unicode_text(value) -> bool:
    """False for a str holding lone surrogates (JSON's "\\ud800"): no database or hash can encode it."""
    return isinstance(value, str) and not any("\ud800" <= ch <= "\udfff" for ch in value)


def _has_control_chars(value: str, allow_newlines: bool) -> bool:
    """Control and format characters, and in one-line text also Unicode's line and paragraph separators
    (U+2028, U+2029): a name or title is one line wherever it is shown, in a mail header or a calendar."""
    refused = {"Cc", "Cf"} if allow_newlines else {"Cc", "Cf", "Zl", "Zp"}
    for ch in value:
        if allow_newlines and ch in "\n\r\t\u2028\u2029":
            continue
        if unicodedata.category(ch) in refused and ch not in "\u200d\u200c":
            return True
    return False


def normalise_newlines(text: str) -> str:
    """Every line ending as "\n" (Windows' "\r\n" and old Macs' "\r" become one)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_long_text(value, *, field: str, limit: int, bytes_limit: bool, too_large: str, code: str,
                    strip: bool, refuse_nul: bool = False) -> str:
    """A long Markdown text (a section's, a comment's, an action's description) with its line endings
    made "\n": refused on `field` (400) unless it is valid Unicode text, and with TooLarge (413, `code`,
    the sentence `too_large`) when over `limit`, counted in UTF-8 bytes or in characters. `strip` trims
    it first; `refuse_nul` refuses a NUL character, which PostgreSQL's text columns cannot hold."""
    if not isinstance(value, str):
        raise Invalid(_("Some fields are not valid."), fields={field: _("Must be text.")})
    if not is_unicode_text(value):
        raise Invalid(_("Some fields are not valid."),
                      fields={field: _("Contains characters that are not valid Unicode text.")})
    if refuse_nul and "\x00" in value:  # binary data
        raise Invalid(_("Some fields are not valid."), fields={field: _("Contains a NUL character: paste the text "
                                                                        "again from its source, as plain text.")})
    value = normalise_newlines(value)
    if strip:
        value = value.strip()
    if (len(value.encode("utf-8")) if bytes_limit else len(value)) > limit:
        raise TooLarge(too_large, code=code)
    return value


def one_line(value: str) -> str:
    """Text as one line for a place that cannot hold more (a mail header, a calendar property): control and
    format characters and Unicode's line separators become spaces. Stored text from before the field
    rules, or from a field that allows lines, passes through here."""
    return "".join(" " if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} and ch not in "\u200c\u200d"
                   else ch for ch in value or "")


def clean_text(errors: FieldErrors, field: str, value, *, max_length: int, required: bool = True,
               multiline: bool = False) -> str:
    """Trimmed text, or a field error for a wrong type, emptiness, length or control characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, _("Must be text."))
        return ""
    value = value.strip()
    if not is_unicode_text(value):
        errors.add(field, _("Contains characters that are not valid Unicode text."))
    elif required and not value:
        errors.add(field, _("This field is required."))
    elif len(value) > max_length:
        errors.add(field, _("At most %(count)s characters.", count=max_length))
    elif _has_control_chars(value, allow_newlines=multiline):
        errors.add(field, _("Contains invisible control characters."))
    return value


def clean_email(errors: FieldErrors, field: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.add(field, _("An e-mail address is required."))
        return ""
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        errors.add(field, str(exc))
        return ""
    return result.normalized.lower()


def clean_country(errors: FieldErrors, field: str, value) -> str:
    if not isinstance(value, str) or len(value.strip()) != 2:
        errors.add(field, _("Use a two-letter ISO 3166-1 country code, such as BE or FI."))
        return ""
    code = value.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        errors.add(field, _("%(code)s is not an ISO 3166-1 country code.", code=code))
        return ""
    return code


def clean_choice(errors: FieldErrors, field: str, value, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        errors.add(field, _("Must be one of: %(choices)s.", choices=", ".join(choices)))
        return ""
    return value


def clean_password(errors: FieldErrors, field: str, value, min_length: int) -> str:
    if not isinstance(value, str) or not value:
        errors.add(field, _("A password is required."))
        return ""
    if not is_unicode_text(value):
        errors.add(field, _("Contains characters that are not valid Unicode text."))
    elif len(value) < min_length:
        errors.add(field, _("Use at least %(count)s characters.", count=min_length))
    elif len(value) > 1024:
        errors.add(field, _("At most %(count)s characters.", count=1024))
    return value


def clean_id(errors: FieldErrors, field: str, value, *, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            errors.add(field, _("This field is required."))
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():  # from a form
        value = int(value) if len(value) <= len(str(MAX_ID)) else MAX_ID + 1
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, _("Must be a whole number."))
        return None
    if not 1 <= value <= MAX_ID:
        errors.add(field, _("There is nothing with this id."))
        return None
    return value


def id_or_none(value) -> int | None:
    """An id written in text (a URL, a hidden field, a PDF's metadata) as an int, or None when it is not
    one: only ASCII digits ("²".isdigit() is true), and within the database's integer range."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID)):
        number = int(value)
        return number if 1 <= number <= MAX_ID else None
    return None


def _digits_at_most(limit: int) -> str:
    """A regular expression for the decimal numbers from 0 to `limit`."""
    digits = str(limit)
    alternatives = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            alternatives.append(rf"{digits[:i]}[0-{int(digit) - 1}]\d{{{len(digits) - i - 1}}}")
    alternatives.append(digits)
    return "(?:" + "|".join(alternatives) + ")"


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: only numbers that fit the id columns, so a larger one matches no route
    and is simply not found (PostgreSQL and SQLite raise on it instead of finding nothing). It is
    done in the pattern: a check in `to_python` runs after the method check and would answer 405."""

    regex = _digits_at_most(MAX_ID)


def _territory_names() -> dict[str, str]:
    """Countries' names in the language in use (CLDR, through Babel); English keeps ISO 3166's names."""
    if current_language() == "en":
        return {}
    from flask_babel import get_locale

    locale = get_locale()
    return dict(locale.territories) if locale is not None else {}


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return _territory_names().get(country.alpha_2, country.name)


def country_choices() -> list[tuple[str, str]]:
    names = _territory_names()
    return sorted(((c.alpha_2, names.get(c.alpha_2, c.name)) for c in pycountry.countries),
                  key=lambda pair: pair[1])
