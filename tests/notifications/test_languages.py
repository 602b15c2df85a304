"""E-mails go out in their recipient's language and time zone (the profile's), whoever caused them."""
from babel.dates import get_month_names
from flask_babel import get_timezone

from app.extensions import db
from app.i18n import current_language, in_language, short_datetime
from app.notifications import services
from tests.notifications.test_notifications import comment, mails_to


def speaks(user, language, time_zone=None):
    user.language, user.time_zone = language, time_zone
    db.session.commit()


def test_a_mail_is_composed_in_the_recipients_language_and_time_zone(setting, api, monkeypatch):
    people = setting["people"]
    speaks(people["editor"], "fr", "America/Toronto")
    composed = {}
    real_send_mail = services.send_mail

    def send_mail(recipient, subject, body):
        composed[recipient] = (current_language(), str(get_timezone()))
        return real_send_mail(recipient, subject, body)

    monkeypatch.setattr(services, "send_mail", send_mail)
    comment(api(people["member"]), setting["section"], "Hello @Editor and @Observer.")
    assert composed[people["editor"].email] == ("fr", "America/Toronto")
    assert composed[people["observer"].email][0] == "en"  # no language chosen: the installation's
    assert current_language() == "en"  # the block ends, the language is back


def test_the_digest_dates_each_notification_as_its_reader_writes_dates(setting, api, runner):
    people = setting["people"]
    editor = people["editor"]
    speaks(editor, "fr", "Asia/Tokyo")
    api(editor).put("/api/v1/me/notification-settings", json={"email": "daily"})
    comment(api(people["member"]), setting["section"], "Hello @Editor.")
    assert runner.invoke(args=["send-digest"]).exit_code == 0
    [mail] = mails_to(editor)
    [notification] = list(db.session.scalars(services.notifications_query(editor)))
    with in_language("fr", "Asia/Tokyo"):
        in_french = short_datetime(notification.created_at)
    with in_language("en"):
        in_english = short_datetime(notification.created_at)
    assert in_french in mail.body and in_english not in mail.body
    month = get_month_names("abbreviated", locale="fr")[notification.created_at.month]
    assert month in in_french  # Babel's French month name, even before our French catalogue exists
    assert "+0900" in in_french or "UTC+9" in in_french  # the reader's time zone


def test_a_password_reset_link_goes_out_in_the_account_holders_language(app, make_user, monkeypatch):
    from app.auth import services as auth

    person = make_user(email="lea@example.eu")
    speaks(person, "fr", "Europe/Paris")
    composed = []
    real_send_mail = auth.send_mail

    def send_mail(recipient, subject, body):
        composed.append((recipient, current_language(), str(get_timezone())))
        return real_send_mail(recipient, subject, body)

    monkeypatch.setattr(auth, "send_mail", send_mail)
    auth._send_password_reset("lea@example.eu")
    assert composed == [("lea@example.eu", "fr", "Europe/Paris")]
