"""Accounts, sign-in sessions, API tokens and password resets."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import ApiToken, PasswordReset, User, UserSession
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db, request_reads_only
from app.i18n import _, in_language, ngettext
from app.mail.services import send_mail
from app.tasks import PRIORITY_PERSON, enqueue, task
from app.util import new_token, public_url, token_hash, utcnow
from app.validation import FieldErrors, clean_email, clean_id, clean_password, clean_text, is_unicode_text

# Checked against when the e-mail is unknown, so a wrong address costs as much
# time as a wrong password and timing does not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")

SESSION_DAYS = 7


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(email, name, password, *, is_admin: bool = False, organisation_id=None) -> User:
    errors = FieldErrors()
    email = clean_email(errors, "email", email)
    name = clean_text(errors, "name", name, max_length=120)
    password = clean_password(errors, "password", password, current_app.config["PASSWORD_MIN_LENGTH"])
    organisation_id = _clean_organisation(errors, organisation_id)
    errors.raise_if_any()
    if user_by_email(email) is not None:
        raise Conflict(_("An account with this e-mail address already exists."), code="email_taken",
                       details={"fields": {"email": _("An account with this e-mail address already exists.")}})
    user = User(email=email, name=name, password_hash=hash_password(password), is_admin=is_admin,
                organisation_id=organisation_id)
    db.session.add(user)
    db.session.flush()
    return user


def _clean_organisation(errors: FieldErrors, organisation_id):
    from app.organisations.models import Organisation

    organisation_id = clean_id(errors, "organisation_id", organisation_id, required=False)
    if organisation_id is not None and db.session.get(Organisation, organisation_id) is None:
        errors.add("organisation_id", _("No such organisation."))
    return organisation_id


def authenticate(email, password) -> User | None:
    """The user with this e-mail and password, or None. Costs the same either way."""
    if not is_unicode_text(email) or not is_unicode_text(password):
        return None
    user = user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


# --- server-side sessions -------------------------------------------------

def start_session(user: User, *, remember: bool = False) -> str:
    """Records a new signed-in session and returns the key its cookie will carry."""
    key = new_token()
    days = current_app.config["REMEMBER_COOKIE_DURATION"] // 86400 if remember else SESSION_DAYS
    db.session.add(UserSession(user_id=user.id, key_hash=token_hash(key),
                               expires_at=utcnow() + timedelta(days=days)))
    db.session.flush()
    user.current_session_key = key
    return key


def user_for_session(key: str | None) -> User | None:
    if not key:
        return None
    record = db.session.scalar(select(UserSession).where(UserSession.key_hash == token_hash(key)))
    if record is None or record.revoked_at is not None or record.expires_at < utcnow():
        return None
    user = record.user
    if not user.is_active:
        return None
    user.current_session_key = key
    return user


def end_session(key: str | None) -> None:
    """Kills the session server-side: a copy of its cookie no longer signs anyone in."""
    if not key:
        return
    record = db.session.scalar(select(UserSession).where(UserSession.key_hash == token_hash(key)))
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()


# --- API tokens -----------------------------------------------------------

def create_api_token(user: User, name=None) -> tuple[ApiToken, str]:
    errors = FieldErrors()
    name = clean_text(errors, "name", name or _("API token"), max_length=120)
    errors.raise_if_any()
    raw = new_token("acc_")
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(raw), prefix=raw[:10])
    db.session.add(token)
    db.session.flush()
    return token, raw


def issue_api_token(user: User, password, name=None) -> tuple[ApiToken, str]:
    """A token for a signed-in person who types their password again: a token acts without the browser
    session's protections, so whoever walks up to an open session must not be able to take one away."""
    if not is_unicode_text(password) or not check_password_hash(user.password_hash, password):
        raise Invalid(_("This is not your password."), code="password_wrong",
                      fields={"password": _("This is not your password.")})
    return create_api_token(user, name)


def _revoke_api_tokens(user_id: int) -> None:
    """A new password ends every token: whoever knew the old one may have made one."""
    now = utcnow()
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))


def user_for_api_token(raw: str) -> User | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    _mark_used(token)
    return token.user


def _mark_used(token: ApiToken) -> None:
    """Records when a token was last used, at most once a minute, in its own short
    transaction: a write inside a read-only request would, on SQLite, turn a read
    transaction into a write one and fail with "database is locked" under load."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < timedelta(minutes=1):
        return
    if has_request_context() and not request_reads_only():
        token.last_used_at = now  # this request's transaction is a write transaction anyway
        return
    with db.engine.begin() as connection:
        connection.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    db.session.expire(token, ["last_used_at"])


def list_api_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


# --- profile and passwords ---------------------------------------------------

def update_profile(user: User, *, name, organisation_id=None, job_title=None) -> User:
    """`job_title` (offered when the person signs for their organisation): None leaves it as it is."""
    errors = FieldErrors()
    name = clean_text(errors, "name", name, max_length=120)
    organisation_id = _clean_organisation(errors, organisation_id)
    if job_title is not None:
        job_title = clean_text(errors, "job_title", job_title, max_length=200, required=False)
    errors.raise_if_any()
    user.name = name
    user.organisation_id = organisation_id
    if job_title is not None:
        user.job_title = job_title
    return user


def set_language(user: User, language, time_zone=None) -> User:
    """The person's interface language (a code of app.i18n.LANGUAGES, or "" for their browser's) and time zone
    (an IANA name, or "" for the installation's)."""
    from app.i18n import choose_language, gettext, valid_time_zone

    errors = FieldErrors()
    if language is not None:
        if language == "":
            user.language = None
        elif choose_language(language):
            user.language = choose_language(language)
        else:
            errors.add("language", gettext("Choose one of the languages offered."))
    if time_zone is not None:
        if time_zone == "":
            user.time_zone = None
        elif valid_time_zone(time_zone):
            user.time_zone = valid_time_zone(time_zone)
        else:
            errors.add("time_zone", gettext("Choose a time zone from the list, such as Europe/Brussels."))
    errors.raise_if_any()
    from app.i18n import forget_request_language

    forget_request_language()
    return user


def change_password(user: User, current_password, new_password) -> None:
    errors = FieldErrors()
    if not is_unicode_text(current_password) or not check_password_hash(user.password_hash, current_password):
        errors.add("current_password", _("This is not your current password."))
    new_password = clean_password(errors, "new_password", new_password, current_app.config["PASSWORD_MIN_LENGTH"])
    errors.raise_if_any()
    user.password_hash = hash_password(new_password)
    # Whoever knew the old password is signed out everywhere else; this session stays.
    current = getattr(user, "current_session_key", None)
    keep = token_hash(current) if current else None
    for session in db.session.scalars(select(UserSession).where(
            UserSession.user_id == user.id, UserSession.revoked_at.is_(None))):
        if session.key_hash != keep:
            session.revoked_at = utcnow()
    _revoke_api_tokens(user.id)


def request_password_reset(email) -> None:
    """Asks for a reset link for this address; the request learns nothing either way.

    The look-up, the token and the mail happen in a task of the queue, so a request for an address with
    an account does exactly what one for an unknown address does, in the same time. When the queue cannot
    be reached the request still answers the same; the log says why no link went out."""
    if is_unicode_text(email) and isinstance(email, str) and len(email) <= 320:
        try:
            enqueue("auth.password_reset", email)
        except Exception as exc:  # noqa: BLE001 - nothing is stored yet: asking again is all it takes
            current_app.logger.error("Password reset not queued (%s: %s)", type(exc).__name__, exc)


@task("auth.password_reset", priority=PRIORITY_PERSON)
def _send_password_reset(email: str) -> None:
    """Mails a single-use reset link when the address has an active account."""
    user = user_by_email(email)
    if user is None or not user.is_active:
        return
    raw = new_token()
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    db.session.add(PasswordReset(user_id=user.id, token_hash=token_hash(raw),
                                 expires_at=utcnow() + timedelta(minutes=minutes)))
    with in_language(user.language, user.time_zone):
        send_mail(user.email, _("Reset your Accord password"), "".join([
            _("Hello %(name)s,", name=user.name), "\n\n",
            _("Someone asked to reset the password of your Accord account."), "\n",
            ngettext("To choose a new password, open this link within %(num)d minute:",
                     "To choose a new password, open this link within %(num)d minutes:", minutes), "\n\n",
            public_url("auth.reset_password", token=raw), "\n\n",
            _("If it was not you, ignore this message: nothing changes."), "\n"]))
    db.session.commit()


def reset_password(raw_token, new_password) -> User:
    record = None
    if isinstance(raw_token, str):
        record = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(raw_token)))
    if record is None or record.used_at is not None or record.expires_at < utcnow():
        raise Invalid(_("This reset link is not valid any more. Ask for a new one."), code="reset_token_invalid")
    errors = FieldErrors()
    new_password = clean_password(errors, "password", new_password, current_app.config["PASSWORD_MIN_LENGTH"])
    errors.raise_if_any()
    record.used_at = utcnow()
    record.user.password_hash = hash_password(new_password)
    # A reset ends every session: whoever knew the old password is signed out.
    for session in db.session.scalars(select(UserSession).where(
            UserSession.user_id == record.user_id, UserSession.revoked_at.is_(None))):
        session.revoked_at = utcnow()
    _revoke_api_tokens(record.user_id)
    return record.user
