"""One outbox for all mail: queued with the change that causes it, sent by a worker of the task queue.

Every message is written to the outbox in the caller's transaction: if the change rolls back, so does its mail.
Once it commits, the task `mail.deliver` takes the message up in a worker (app.tasks), never in the request:
a mail server that is slow or down delays the mail, never a page. Without a mail server (MAIL_SERVER unset)
the message is written to the log at once and shown on the outbox page, so invitations work in development.

A message is sent at most once. A worker claims it (queued -> sending) in a transaction of its own before it
talks to the server, so no two workers send it; it notes the moment it starts handing the message over; a
failure before that point (no connection, a refusal) is tried again with back-off (MAIL_RETRY_DELAY, doubled
each time, MAIL_MAX_TRIES in all), then the message is shown as failed with the error; a refusal for good (a
5xx reply) is not tried again. A worker that stopped
while handing a message over cannot know whether it arrived: that message is not sent again by itself, it is
shown as failed with that reason and a site admin may send it again. The periodic sweep (`mail.sweep`, each
minute) takes up what no task carries: messages whose task was lost (an unreachable queue, a worker that
stopped) and claims of workers that stopped.

Headers carry only addresses and fixed or cleaned text: names and titles lose line breaks, control
characters and anything that looks like an RFC 2047 encoded word, so no stored text can add a header
(Reply-To, Bcc) or start the body.
"""
from __future__ import annotations

import logging
import re
import smtplib
import unicodedata
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import func, select, update

from app.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.i18n import _
from app.mail.models import OutboxMessage
from app.tasks import after_commit, enqueue, periodic, task
from app.util import utcnow
from app.validation import one_line

log = logging.getLogger(__name__)

# Links that carry a one-use secret: the outbox page and the log show them without it.
_SECRET_LINK = re.compile(r"(/(?:password/reset|invitations)/)[A-Za-z0-9_\-]{8,}")


def header_text(value: str, max_length: int = 250) -> str:
    """Text safe to put in a header: one line, no control or format characters, no encoded words."""
    cleaned = one_line(value).replace("=?", "= ?").replace("?=", "? =")
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    return cleaned[:max_length]


def body_text(value: str) -> str:
    """The body as plain lines: Unicode line separators become newlines, other control characters go."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\x85", "\n")
    return "".join(ch for ch in value
                   if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cf"} or ch in "\u200c\u200d")


def without_secrets(text: str) -> str:
    """A message as the outbox page and the log may show it: links that carry a token lose the token."""
    return _SECRET_LINK.sub(r"\1[hidden]", text or "")


def send_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Stores the message; a worker delivers it once the caller's transaction commits."""
    now = utcnow()
    message = OutboxMessage(recipient=recipient.strip(), subject=header_text(subject), body=body_text(body),
                            created_at=now, status="queued", next_try_at=now)
    config = current_app.config
    if not config["MAIL_SERVER"]:
        message.status, message.transport, message.sent_at, message.next_try_at = "logged", "log", now, None
        shown = message.body if config["OUTBOX_SHOWS_SECRETS"] else without_secrets(message.body)
        current_app.logger.info("Mail to %s: %s\n%s", message.recipient, message.subject, shown)
    db.session.add(message)
    db.session.flush()
    if config["MAIL_SERVER"]:
        after_commit("mail.deliver", message.id)
    return message


def build_message(message: OutboxMessage) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = header_text(message.subject)
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "accord.invalid"
    email["Message-ID"] = f"<outbox-{message.id}.{int(message.created_at.timestamp())}@{domain}>"
    email.set_content(body_text(message.body))
    return email


class NotDelivered(Exception):
    """A try that left nothing at the mail server: the task is tried again (MAIL_MAX_TRIES), unless the server
    refused for good (a 5xx reply: no such mailbox, say)."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def _refusal(exc: smtplib.SMTPException) -> NotDelivered:
    codes = [code for code, _text in exc.recipients.values()] if isinstance(exc, smtplib.SMTPRecipientsRefused) \
        else [getattr(exc, "smtp_code", 0)]
    return NotDelivered(f"{type(exc).__name__}: {exc}", permanent=all(code >= 500 for code in codes))


# Said when a worker stopped (or the connection broke) while the server was being handed the message.
MAYBE_DELIVERED = ("The connection ended while the message was being handed to the mail server, so it may "
                   "have arrived. It is not sent again by itself: send it again if the recipient did not get it.")


@task("mail.deliver", retries=lambda config: config["MAIL_MAX_TRIES"] - 1,
      retry_delay=lambda config: config["MAIL_RETRY_DELAY"], retry_backoff=2)
def deliver(message_id: int) -> None:
    """Hands one stored message to the SMTP server, once: claimed first, in a transaction of its own."""
    claimed = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
        .values(status="sending", attempts=OutboxMessage.attempts + 1, claimed_at=utcnow(), handed_over_at=None))
    db.session.commit()
    if claimed.rowcount != 1:
        log.info("Mail %s not sent by this task: it is sent, being sent, failed or gone", message_id)
        return
    message = db.session.get(OutboxMessage, message_id)
    if message is None:  # deleted since (its account, say)
        return
    email, recipient, tries = build_message(message), message.recipient, message.attempts
    db.session.commit()  # no transaction stays open during the SMTP conversation
    try:
        outcome = _converse(message_id, email)
    except NotDelivered as exc:
        last = exc.permanent or tries >= current_app.config["MAIL_MAX_TRIES"]
        delay = current_app.config["MAIL_RETRY_DELAY"] * 2 ** (tries - 1)
        log.warning("Mail %s to %s not sent (try %s): %s", message_id, recipient, tries, exc)
        _settle(message_id, status="failed" if last else "queued", error=str(exc),
                next_try_at=None if last else utcnow() + timedelta(seconds=delay))
        if not last:
            raise
        return
    if outcome is None:
        _settle(message_id, status="sent", transport="smtp", sent_at=utcnow(), error=None, next_try_at=None)
    else:
        log.error("Mail %s to %s may or may not have arrived: %s", message_id, recipient, outcome)
        _settle(message_id, status="failed", error=f"{MAYBE_DELIVERED} ({outcome})", next_try_at=None)


class _SMTP(smtplib.SMTP):
    """smtplib's client that calls `before_data()` just before the DATA command: up to there nothing of the
    message is at the server (a failure before it is safely tried again); from there on it may be."""

    def __init__(self, *args, before_data, **kwargs):
        self._before_data = before_data
        super().__init__(*args, **kwargs)

    def data(self, msg):
        self._before_data()
        return super().data(msg)


def _converse(message_id: int, email: EmailMessage) -> str | None:
    """The SMTP conversation: None when the server took the message; the error when it may have (the
    connection broke while handing it over); raises NotDelivered when it surely did not."""
    config = current_app.config
    handing_over = []

    def before_data():
        _settle(message_id, handed_over_at=utcnow())
        handing_over.append(True)

    try:
        smtp = _SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"],
                     before_data=before_data)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotDelivered(f"{type(exc).__name__}: {exc}") from exc
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)
        return None
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
        # The server answered with a refusal (at any step, DATA included): it did not take the message.
        raise _refusal(exc) from exc
    except (OSError, smtplib.SMTPException) as exc:
        if handing_over:
            return f"{type(exc).__name__}: {exc}"
        raise NotDelivered(f"{type(exc).__name__}: {exc}") from exc
    finally:
        try:
            smtp.quit()  # a server that drops the line after taking the message changes nothing
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _settle(message_id: int, **values) -> None:
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
    db.session.commit()


@periodic("mail.sweep", minute="*")
def sweep() -> int:
    """Queues again what no task carries; returns how many messages it took up.

    A queued message whose try is overdue by MAIL_SWEEP_AFTER seconds lost its task (the queue could not be
    reached, or a worker stopped after taking it): queued again, and not again for another MAIL_SWEEP_AFTER.
    A claim older than the SMTP timeout and that grace belongs to a worker that stopped: before the hand-over
    the message is queued again; after it, the message may have arrived, so it is failed with that reason."""
    config = current_app.config
    now = utcnow()
    grace = timedelta(seconds=config["MAIL_SWEEP_AFTER"])
    if not config["MAIL_SERVER"]:
        return 0
    stale = now - grace - timedelta(seconds=2 * config["MAIL_TIMEOUT"])
    db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "sending",
                                                   OutboxMessage.claimed_at < stale,
                                                   OutboxMessage.handed_over_at.is_not(None))
                       .values(status="failed", error=MAYBE_DELIVERED + " (the worker stopped)"))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "sending",
                                                   OutboxMessage.claimed_at < stale,
                                                   OutboxMessage.handed_over_at.is_(None))
                       .values(status="queued", next_try_at=now - grace - timedelta(seconds=1)))
    overdue = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == "queued", OutboxMessage.next_try_at < now - grace)
        .order_by(OutboxMessage.id).limit(config["MAIL_SWEEP_BATCH"])))
    if overdue:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(overdue)).values(next_try_at=now))
    db.session.commit()
    for message_id in overdue:
        enqueue("mail.deliver", message_id)
    return len(overdue)


def send_again(user, message_id: int) -> OutboxMessage:
    """A site admin sends a failed message again (a fresh series of tries)."""
    if not getattr(user, "is_admin", False):
        raise PermissionDenied(_("Only site administrators send mail again."))
    message = db.session.get(OutboxMessage, message_id) if isinstance(message_id, int) else None
    if message is None:
        raise NotFound(_("No such message."))
    if message.status != "failed":
        raise Conflict(_("Only a message that failed can be sent again."), code="not_failed")
    if not current_app.config["MAIL_SERVER"]:
        raise Conflict(_("No mail server is configured (MAIL_SERVER)."), code="no_mail_server")
    message.status, message.attempts, message.next_try_at = "queued", 0, utcnow()
    db.session.flush()
    after_commit("mail.deliver", message.id)
    return message


def outbox_counts() -> dict:
    """How many messages wait and failed, and the oldest waiting one's age in seconds (readiness)."""
    rows = dict(db.session.execute(select(OutboxMessage.status, func.count(OutboxMessage.id))
                                   .where(OutboxMessage.status.in_(("queued", "sending", "failed")))
                                   .group_by(OutboxMessage.status)).all())
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at))
                               .where(OutboxMessage.status.in_(("queued", "sending"))))
    return {"waiting": rows.get("queued", 0) + rows.get("sending", 0), "failed": rows.get("failed", 0),
            "oldest_waiting_seconds": round((utcnow() - oldest).total_seconds(), 1) if oldest else None}
