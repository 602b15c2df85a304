"""One outbox for all mail: SMTP when configured, otherwise the log.

Every message is stored first, in the caller's transaction, so site admins can read what was sent (or
would have been) on the outbox page, and invitations work in development without a mail server. The
SMTP conversation happens only after that transaction commits, in the background pool: a slow or failing
mail server never holds the database's write lock or the person's request.

Headers carry only addresses and fixed or cleaned text: names and titles lose line breaks, control
characters and anything that looks like an RFC 2047 encoded word, so no stored text can add a header
(Reply-To, Bcc) or start the body.
"""
from __future__ import annotations

import re
import smtplib
import unicodedata
from email.message import EmailMessage

from flask import current_app

from app.background import after_commit
from app.extensions import db
from app.mail.models import OutboxMessage
from app.util import utcnow
from app.validation import one_line

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
    """Stores the message; it is delivered once the caller's transaction commits."""
    message = OutboxMessage(recipient=recipient.strip(), subject=header_text(subject), body=body_text(body))
    config = current_app.config
    if not config["MAIL_SERVER"]:
        message.transport, message.sent_at = "log", utcnow()
        shown = message.body if config["OUTBOX_SHOWS_SECRETS"] else without_secrets(message.body)
        current_app.logger.info("Mail to %s: %s\n%s", message.recipient, message.subject, shown)
    db.session.add(message)
    db.session.flush()
    if config["MAIL_SERVER"]:
        after_commit(deliver, message.id)
    return message


def build_message(message: OutboxMessage) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = header_text(message.subject)
    email.set_content(body_text(message.body))
    return email


def deliver(message_id: int) -> None:
    """Hands one stored message to the SMTP server, in its own short transaction."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.sent_at is not None:
        return
    recipient = message.recipient
    email = build_message(message)
    db.session.rollback()  # no transaction stays open during the SMTP conversation
    config = current_app.config
    transport, sent_at, error = None, None, None
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(email)
        transport, sent_at = "smtp", utcnow()
    except (OSError, smtplib.SMTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
        current_app.logger.warning("Mail to %s not sent: %s", recipient, error)
    message = db.session.get(OutboxMessage, message_id)
    message.transport, message.sent_at, message.error = transport, sent_at, error
    db.session.commit()
