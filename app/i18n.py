"""The interface in each person's language, and times in their time zone (Flask-Babel and Babel).

Every word a person reads goes through gettext (`_`, `ngettext`, `lazy_gettext` for text defined at import
time); every date, time and number through the functions below, which use the locale and time zone chosen
for the request: the person's profile, else (signed out) the language they picked with the switcher or
`?lang=`, else the browser's Accept-Language, else the installation's default. Stored times stay naive UTC.

Work done outside a request (mail, notifications, PDF renders in the worker) chooses its language
explicitly with `in_language(...)`: a person's e-mail in their language, a PDF in its document's.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, format_skeleton
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_decimal,
    format_number,
    get_locale,
    get_timezone,
    gettext,
    lazy_gettext,
    ngettext,
)

_ = gettext
__all__ = ["LANGUAGES", "_", "choose_language", "format_date", "format_decimal", "format_number", "gettext",
           "in_language", "lazy_gettext", "long_date", "ngettext", "short_datetime", "spoken_time", "valid_time_zone"]

# Code -> the language's name in itself (how a person recognises their language in a list).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "nl": "Nederlands",
    "de": "Deutsch",
    "it": "Italiano",
    "es": "Español",
    "nb": "Norsk bokmål",
}
# Other codes a browser or a person may send for one of them.
_ALIASES = {"no": "nb", "nn": "nb"}
# The locale whose formats each language uses: the interface's English is European English (day month year).
_FORMAT_LOCALES = {"en": "en_GB", "nb": "nb_NO"}
LANGUAGE_COOKIE = "accord_lang"
_COOKIE_AGE = 365 * 24 * 3600


def choose_language(value) -> str | None:
    """One of LANGUAGES for a code such as "fr", "fr-BE", "FR_be" or "no"; None for anything else."""
    if not isinstance(value, str) or not value or len(value) > 35:
        return None
    base = value.strip().replace("_", "-").split("-")[0].lower()
    base = _ALIASES.get(base, base)
    return base if base in LANGUAGES else None


def valid_time_zone(value) -> str | None:
    """The IANA name of a time zone (e.g. "Europe/Brussels"), or None when it is not one."""
    import pytz

    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    return value if value in pytz.common_timezones_set else None


def request_language() -> str:
    """The interface language of this request, by the order the module's doc names."""
    default = current_app.config["DEFAULT_LANGUAGE"]
    if not has_request_context():
        return default
    cached = g.get("_accord_language")
    if cached:
        return cached
    from flask_login import current_user

    chosen = choose_language(request.args.get("lang"))
    if chosen is None and current_user and getattr(current_user, "is_authenticated", False):
        chosen = choose_language(current_user.language)
    if chosen is None:
        chosen = choose_language(request.cookies.get(LANGUAGE_COOKIE))
    if chosen is None:
        offered = [choose_language(code) for code, _quality in request.accept_languages]
        chosen = next((code for code in offered if code), None)
    g._accord_language = chosen or default
    return g._accord_language


def forget_request_language() -> None:
    """After a person changed their language or zone: the rest of the request uses the new ones."""
    g.pop("_accord_language", None)
    g.pop("_flask_babel", None)


def _select_locale() -> str:
    language = request_language()
    return _FORMAT_LOCALES.get(language, language)


def _select_time_zone() -> str:
    if has_request_context():
        from flask_login import current_user

        if current_user and getattr(current_user, "is_authenticated", False):
            chosen = valid_time_zone(current_user.time_zone)
            if chosen:
                return chosen
    return current_app.config["DEFAULT_TIME_ZONE"]


def current_language() -> str:
    """The two-letter code of the language in use now (request, or forced by in_language)."""
    locale = get_locale()
    return locale.language if locale is not None else current_app.config["DEFAULT_LANGUAGE"]


@contextmanager
def in_language(language: str | None, time_zone: str | None = None):
    """Run a block in one language (and time zone): an e-mail in its recipient's, a PDF in its document's.
    An unknown or missing code means the installation's default."""
    code = choose_language(language) or current_app.config["DEFAULT_LANGUAGE"]
    namespace = getattr(g, "_flask_babel", None)
    saved_zone = getattr(namespace, "babel_tzinfo", None) if namespace else None
    with force_locale(_FORMAT_LOCALES.get(code, code)):
        if time_zone is not None:
            import pytz

            get_timezone()  # makes sure the namespace exists
            g._flask_babel.babel_tzinfo = pytz.timezone(valid_time_zone(time_zone)
                                                        or current_app.config["DEFAULT_TIME_ZONE"])
        try:
            yield code
        finally:
            if time_zone is not None:
                if saved_zone is None:
                    del g._flask_babel.babel_tzinfo
                else:
                    g._flask_babel.babel_tzinfo = saved_zone


def _local(value: datetime) -> datetime:
    """A stored time (naive UTC, or aware) in the time zone of this request."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.removesuffix("Z"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(get_timezone())


def short_datetime(value: datetime | None) -> str:
    """A moment with its zone, as the locale writes it: "7 Dec 2026, 20:31 CET", "7 déc. 2026, 20:31 UTC+1"."""
    if value is None:
        return ""
    local = _local(value)
    locale = get_locale() or Locale.parse(current_app.config["DEFAULT_LANGUAGE"])
    day = format_skeleton("yMMMd", local, tzinfo=local.tzinfo, locale=locale)
    both = str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", clock_time(local))
    return f"{both} {format_datetime(local, 'z', tzinfo=local.tzinfo, locale=locale)}"


def clock_time(value: datetime) -> str:
    local = _local(value)
    locale = get_locale() or current_app.config["DEFAULT_LANGUAGE"]
    return format_skeleton("Hm", local, tzinfo=local.tzinfo, locale=locale)


def long_date(value: date | datetime | None) -> str:
    """A day as people write it in a sentence: "15 January 2027", "15 janvier 2027"."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an ISO day ("2027-01-15"), as the services hand some days over
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = _local(value).date()
    return format_date(value, "long")


def spoken_time(value: datetime | str | None, now: datetime | None = None) -> str:
    """When something happened, as a person says it: "today at 14:02", "yesterday at 09:15",
    "on 3 March 2027 at 14:02", in the request's language and time zone (naive datetimes and ISO strings
    with Z are UTC)."""
    if value is None or value == "":
        return ""
    local = _local(value)
    today = _local(now or datetime.now(UTC)).date()
    clock = clock_time(local)
    if local.date() == today:
        return gettext("today at %(time)s", time=clock)
    if local.date() == today - timedelta(days=1):
        return gettext("yesterday at %(time)s", time=clock)
    return gettext("on %(date)s at %(time)s", date=format_date(local.date(), "long"), time=clock)


def language_name(code: str) -> str:
    """A language's name in the language of the request ("French", "français", "Französisch")."""
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (UnknownLocaleError, ValueError):
        return code


def init_i18n(app: Flask) -> None:
    Babel(app, locale_selector=_select_locale, timezone_selector=_select_time_zone,
          default_locale=app.config["DEFAULT_LANGUAGE"], default_timezone="UTC")

    # The language and zone are chosen once per request and kept in `g`; a request that shares an application
    # context with others (tests, a CLI command serving several) must not inherit them.
    app.before_request(forget_request_language)

    @app.after_request
    def _remember_switch(response):
        """`?lang=` by someone signed out is remembered for their next pages."""
        chosen = choose_language(request.args.get("lang"))
        if chosen and request.cookies.get(LANGUAGE_COOKIE) != chosen:
            response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=_COOKIE_AGE, samesite="Lax",
                                secure=app.config.get("SESSION_COOKIE_SECURE", False), httponly=True)
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response

    app.jinja_env.filters.update(datetime=short_datetime, longdate=long_date, spoken_time=spoken_time,
                                 number=format_number, language_name=language_name)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language,
                                 text_direction=lambda: (get_locale().text_direction if get_locale() else "ltr"))
