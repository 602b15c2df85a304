"""One outbox for all mail: SMTP when configured, otherwise the log.

Every message is stored first, so site admins can read what was sent (or
would have been) on the outbox page, and invitations work in development
without a mail server.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app

from app.extensions import db
from app.mail.models import OutboxMessage
from app.util import utcnow


def send_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        email = EmailMessage()
        email["From"] = config["MAIL_FROM"]
        email["To"] = recipient
        email["Subject"] = subject
        email.set_content(body)
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
                smtp.send_message(email)
            message.transport, message.sent_at = "smtp", utcnow()
        except (OSError, smtplib.SMTPException) as exc:
            message.error = f"{type(exc).__name__}: {exc}"
            current_app.logger.warning("Mail to %s not sent: %s", recipient, message.error)
    else:
        message.transport, message.sent_at = "log", utcnow()
        current_app.logger.info("Mail to %s: %s\n%s", recipient, subject, body)
    db.session.flush()
    return message
