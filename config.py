"""Configuration, read from the environment.

Three settings classes: development (the default), testing and production,
chosen by ACCORD_ENV. Every value a deployment may change is an environment
variable; the README lists them.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("ACCORD_INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if not value:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


def _development_secret_key() -> str:
    """A secret generated once into instance/ so sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'accord.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Seconds a SQLite connection waits for the write lock before giving up.
    SQLITE_BUSY_TIMEOUT = _int("SQLITE_BUSY_TIMEOUT", 30)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = _int("REMEMBER_DAYS", 30) * 86400
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session

    # Whole request bodies; a section alone is limited by SECTION_MAX_BYTES.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
    SECTION_MAX_BYTES = _int("SECTION_MAX_BYTES", 1024 * 1024)
    ACTION_DESCRIPTION_MAX_BYTES = _int("ACTION_DESCRIPTION_MAX_BYTES", 64 * 1024)  # a roadmap action's (413 beyond)
    # Markdown is converted in a render process killed after MARKDOWN_RENDER_SECONDS, with an address-space
    # limit; a text over either is shown as written, with a note (app/documents/markdown_bounds.py).
    MARKDOWN_RENDER_SECONDS = float(os.environ.get("MARKDOWN_RENDER_SECONDS", "2"))
    MARKDOWN_RENDER_MEMORY_MB = _int("MARKDOWN_RENDER_MEMORY_MB", 512)

    # Per worker process (app.caching.process_cache("<name>")): at most <NAME>_CACHE_SIZE entries and, unless
    # None, <NAME>_CACHE_CHARS of weight (characters), the least recently used dropped first.
    # The document page's section markup and the word-level diffs of comparisons:
    SECTION_PIECE_CACHE_SIZE = 5000
    SECTION_PIECE_CACHE_CHARS = _int("PAGE_CACHE_MB", 32) * 1024 * 1024
    SECTION_TEXT_CACHE_SIZE = 2000  # the sections' highlighted texts
    SECTION_TEXT_CACHE_CHARS = SECTION_PIECE_CACHE_CHARS // 4
    SECTION_DIFF_CACHE_SIZE = 5000
    SECTION_DIFF_CACHE_CHARS = _int("DIFF_CACHE_MB", 16) * 1024 * 1024
    # Small, bounded by their count: a section's frame and a thread's block of the page, a table of contents.
    SECTION_FRAME_CACHE_SIZE = 20000
    SECTION_FRAME_CACHE_CHARS = None
    THREAD_BLOCK_CACHE_SIZE = 20000
    THREAD_BLOCK_CACHE_CHARS = None
    TOC_CACHE_SIZE = 500
    TOC_CACHE_CHARS = None

    # The interface's language when neither the person's profile nor their browser names one of app.i18n's
    # LANGUAGES, and the time zone of every time shown to someone who has not chosen one (stored times are UTC).
    DEFAULT_LANGUAGE = os.environ.get("DEFAULT_LANGUAGE", "en")
    DEFAULT_TIME_ZONE = os.environ.get("DEFAULT_TIME_ZONE", "Europe/Brussels")

    ALLOW_SELF_REGISTRATION = _bool("ALLOW_SELF_REGISTRATION", False)
    INVITATION_DAYS = _int("INVITATION_DAYS", 14)
    # For this many days after joining a group (or until they first act in it), a member's group page points
    # them prominently to the group's "start here" view.
    NEWCOMER_DAYS = _int("NEWCOMER_DAYS", 30)
    # A coordinator may ask an organisation to name a representative for a group once in this many hours.
    REPRESENTATIVE_REQUEST_HOURS = _int("REPRESENTATIVE_REQUEST_HOURS", 24)
    PASSWORD_RESET_MINUTES = _int("PASSWORD_RESET_MINUTES", 60)
    PASSWORD_MIN_LENGTH = 10

    # Public address of the installation: every link in e-mails, PDFs and API answers is built from it,
    # never from the request's Host header (app.util.public_url).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    # Host names the app answers to (comma-separated; Flask refuses any other Host with 400). Unset: any
    # in development and tests; in production, BASE_URL's host.
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Accord <accord@localhost>")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 20)  # seconds of one SMTP conversation (after the request, never in it)
    MAIL_MAX_TRIES = _int("MAIL_MAX_TRIES", 6)  # tries of one message before it is shown as failed
    MAIL_RETRY_DELAY = _int("MAIL_RETRY_DELAY", 30)  # seconds before the second try; doubled for each next one
    MAIL_SWEEP_AFTER = _int("MAIL_SWEEP_AFTER", 300)  # seconds overdue before the sweep queues a message again
    MAIL_SWEEP_BATCH = _int("MAIL_SWEEP_BATCH", 500)  # messages the sweep queues again per minute at most

    # The task queue (app/tasks): mail, renders and schedules. Empty: a SQLite file in TASK_QUEUE_DIR (no
    # server); redis://HOST:PORT/DB for workers on several machines; memory:// within one process (tests).
    TASK_QUEUE_URL = os.environ.get("TASK_QUEUE_URL", "")
    TASK_QUEUE_DIR = os.environ.get("TASK_QUEUE_DIR", str(INSTANCE_DIR))
    TASK_QUEUE_NAME = os.environ.get("TASK_QUEUE_NAME", "accord")
    # Worker threads inside each web process (0: tasks run in `flask worker` processes, as in production).
    TASK_WORKERS = _int("TASK_WORKERS", 0)
    DIGEST_HOUR = _int("DIGEST_HOUR", 7)  # the hour (UTC) the daily digest of notifications goes out
    TASK_HISTORY_DAYS = _int("TASK_HISTORY_DAYS", 30)  # days periodic runs and failed tasks are kept
    # /readyz answers 503 when the oldest queued task waited longer than this (seconds), or no worker ran a
    # periodic task for TASK_READY_WORKER_AGE seconds.
    TASK_READY_MAX_AGE = _int("TASK_READY_MAX_AGE", 300)
    TASK_READY_WORKER_AGE = _int("TASK_READY_WORKER_AGE", 180)
    # Whether the outbox page and the log show reset and invitation links whole (development without a mail
    # server, where they are the only way to receive them); elsewhere their token is hidden.
    OUTBOX_SHOWS_SECRETS = _bool("OUTBOX_SHOWS_SECRETS", False)

    # Days before a version's endorsement deadline on which the representatives of organisations that have
    # not decided are reminded by mail, comma-separated ("7,1": a week before and the day before).
    ENDORSEMENT_REMINDER_DAYS = os.environ.get("ENDORSEMENT_REMINDER_DAYS", "7,1")

    # Where rate limits are counted. Unset: in this process's memory, which a production server of several
    # workers (gunicorn) refuses (each worker counting alone would multiply every limit).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour")
    RATELIMIT_PASSWORD_RESET = os.environ.get("RATELIMIT_PASSWORD_RESET", "5 per minute;20 per hour")
    RATELIMIT_TOKENS = os.environ.get("RATELIMIT_TOKENS", "10 per minute;50 per hour")
    # Failed sign-ins: per account (whatever the address) and, more generously, per address (an office
    # behind one address is many people). Successful sign-ins do not count.
    RATELIMIT_LOGIN_ADDRESS = os.environ.get("RATELIMIT_LOGIN_ADDRESS", "30 per minute;300 per hour")
    # Costly requests, per account, and (the *_ADDRESS settings) per address (app.extensions.costly).
    # (the editor previews as one types, a quarter of a second after each pause)
    RATELIMIT_PREVIEW = os.environ.get("RATELIMIT_PREVIEW", "120 per minute;3000 per hour")
    RATELIMIT_PREVIEW_ADDRESS = os.environ.get("RATELIMIT_PREVIEW_ADDRESS", "600 per minute;15000 per hour")
    RATELIMIT_COMPARE = os.environ.get("RATELIMIT_COMPARE", "60 per minute;600 per hour")
    RATELIMIT_COMPARE_ADDRESS = os.environ.get("RATELIMIT_COMPARE_ADDRESS", "300 per minute;3000 per hour")
    RATELIMIT_EXPORT = os.environ.get("RATELIMIT_EXPORT", "30 per minute;300 per hour")
    RATELIMIT_EXPORT_ADDRESS = os.environ.get("RATELIMIT_EXPORT_ADDRESS", "150 per minute;1500 per hour")
    # Costly requests one account (signed out: one address) may have running at once, all workers together.
    COSTLY_AT_ONCE = _int("COSTLY_AT_ONCE", 2)
    # How many proxies in front of the app set X-Forwarded-For (and -Proto, -Host) truthfully: 0 (the
    # default) believes no such header, so a client cannot name its own address for the rate limits.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)

    # PDF export (app/export). The seal: a PKCS#12 file and its passphrase (required in production);
    # without them development and tests generate a self-signed RSA-3072 seal once into EXPORT_DEV_SEAL_DIR.
    EXPORT_SEAL_PKCS12 = os.environ.get("EXPORT_SEAL_PKCS12")
    EXPORT_SEAL_PASSPHRASE = os.environ.get("EXPORT_SEAL_PASSPHRASE")
    EXPORT_DEV_SEAL_DIR = str(INSTANCE_DIR)
    EXPORT_SEAL_NAME = os.environ.get("EXPORT_SEAL_NAME", "Accord")
    EXPORT_SEAL_REASON = os.environ.get("EXPORT_SEAL_REASON", "Final text and endorsements as recorded by Accord")
    EXPORT_SEAL_LOCATION = os.environ.get("EXPORT_SEAL_LOCATION", "Accord")
    EXPORT_SEAL_CONTACT = os.environ.get("EXPORT_SEAL_CONTACT", "")
    # An RFC 3161 time-stamp server for the seal (optional).
    EXPORT_TSA_URL = os.environ.get("EXPORT_TSA_URL")
    EXPORT_TSA_TIMEOUT = _int("EXPORT_TSA_TIMEOUT", 10)  # seconds to wait for the time-stamp server
    EXPORT_RENDER_TIMEOUT = _int("EXPORT_RENDER_TIMEOUT", 120)  # seconds, then the render process is killed
    EXPORT_RENDER_MEMORY_MB = _int("EXPORT_RENDER_MEMORY_MB", 2048)  # address-space limit of the render process
    EXPORT_MAX_RENDERS = _int("EXPORT_MAX_RENDERS", 2)  # renders at once, all workers together; then 503
    EXPORT_RETRY_FAILED_AFTER = _int("EXPORT_RETRY_FAILED_AFTER", 300)  # seconds before a failed export is retried
    # A render whose worker died is taken again by the sweep, this many times in all, then marked failed.
    EXPORT_MAX_ATTEMPTS = _int("EXPORT_MAX_ATTEMPTS", 3)
    # Stored exports other than the sealed PDFs of final versions (drafts, comparisons, failed renders) are
    # deleted this many days after they were made (app/export/pruning.py); asked again, they are made again.
    EXPORT_DRAFT_MAX_AGE_DAYS = _int("EXPORT_DRAFT_MAX_AGE_DAYS", 30)
    # A board pack (app/export/board_pack.py) lists at most this many of an organisation's comment threads and
    # suggested changes, and says how many more there are: the pack's size and render time stay bounded.
    EXPORT_BOARD_PACK_MAX_ITEMS = _int("EXPORT_BOARD_PACK_MAX_ITEMS", 300)
    RATELIMIT_VERIFY = os.environ.get("RATELIMIT_VERIFY", "20 per minute;200 per hour")  # per account (or address)
    RATELIMIT_VERIFY_ADDRESS = os.environ.get("RATELIMIT_VERIFY_ADDRESS", "60 per minute;600 per hour")
    # An uploaded PDF is checked in a child process: stopped after VERIFY_TIMEOUT seconds of its own CPU time
    # (the wall clock stops it at three times that), limited to VERIFY_MEMORY_MB of address space; either
    # way the answer is 400 `not_checked`.
    VERIFY_TIMEOUT = _int("VERIFY_TIMEOUT", 10)
    VERIFY_MEMORY_MB = _int("VERIFY_MEMORY_MB", 384)
    # A PEM file of root certificates: time stamps whose authority chains to one of them read as trusted.
    VERIFY_TSA_ROOTS = os.environ.get("VERIFY_TSA_ROOTS")
    EXPORT_PDF_TAGS = True  # always: every PDF is tagged (PDF/UA-1); render.py no longer lets it be turned off
    # Render the sealed PDF in the background as soon as a version becomes final and after each endorsement
    # or withdrawal, so that its download is served from storage (off in tests, which turn it on where they test it).
    EXPORT_PRERENDER = _bool("EXPORT_PRERENDER", True)
    # How long a browser request waits for a render before it shows the progress page instead.
    EXPORT_WAIT_SECONDS = float(os.environ.get("EXPORT_WAIT_SECONDS", "3"))
    # How long an API request waits for a render before answering 202 (keep it under gunicorn's timeout).
    EXPORT_API_WAIT_SECONDS = float(os.environ.get("EXPORT_API_WAIT_SECONDS", "20"))
    # The language of documents (lang attribute, hyphenation) until documents carry their own.
    EXPORT_LANGUAGE = os.environ.get("EXPORT_LANGUAGE", "en")
    # Word files (.docx): the largest upload, its parts and unpacked size (zip bombs), images kept inline,
    # and the time an import may take.
    WORD_MAX_BYTES = _int("WORD_MAX_BYTES", 8 * 1024 * 1024)
    WORD_MAX_PARTS = _int("WORD_MAX_PARTS", 2000)
    WORD_MAX_UNPACKED_BYTES = _int("WORD_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)
    WORD_IMAGE_MAX_BYTES = _int("WORD_IMAGE_MAX_BYTES", 32 * 1024)
    WORD_IMPORT_SECONDS = _int("WORD_IMPORT_SECONDS", 30)
    # The public address printed in PDFs for verification (and in their QR code).
    EXPORT_PUBLIC_BASE_URL = os.environ.get("EXPORT_PUBLIC_BASE_URL") or os.environ.get("BASE_URL",
                                                                                         "http://127.0.0.1:5000")
    # The integrity check (flask check-integrity, the nightly task): seconds one run may spend before it stops
    # (the next run carries on where it stopped), and the shorter bound of a run started from the admin page.
    INTEGRITY_BUDGET_SECONDS = float(os.environ.get("INTEGRITY_BUDGET_SECONDS", "60"))
    INTEGRITY_PAGE_BUDGET_SECONDS = float(os.environ.get("INTEGRITY_PAGE_BUDGET_SECONDS", "10"))


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    OUTBOX_SHOWS_SECRETS = _bool("OUTBOX_SHOWS_SECRETS", True)
    SECRET_KEY = os.environ.get("SECRET_KEY")  # else generated into instance/ when the app is made

    @staticmethod
    def default_secret_key() -> str:
        return _development_secret_key()


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    EXPORT_PRERENDER = False  # a render after every endorsement of every test would cost minutes; see test_prerender
    # Each test's app has its own queue in memory and runs its tasks in two threads of its own (tests of
    # workers in processes of their own set TASK_QUEUE_URL and TASK_WORKERS 0).
    TASK_QUEUE_URL = os.environ.get("TEST_TASK_QUEUE_URL", "memory://")
    TASK_WORKERS = _int("TEST_TASK_WORKERS", 2)


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = "https"
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS") or [urlsplit(Config.BASE_URL).hostname or "localhost"]


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> type[Config]:
    name = name or os.environ.get("ACCORD_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise SystemExit(f"ACCORD_ENV={name!r} is not one of {', '.join(CONFIGS)}") from None
