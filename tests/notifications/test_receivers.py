"""Notifications answer what the discussion announces (comments.signals) inside its transaction."""
from sqlalchemy import func, select

from app.comments import services as comments
from app.comments.signals import comment_added
from app.extensions import db
from app.mail.models import OutboxMessage
from app.notifications.models import Notification


def counts():
    return (db.session.scalar(select(func.count()).select_from(Notification)),
            db.session.scalar(select(func.count()).select_from(OutboxMessage)))


def test_a_comment_rolled_back_leaves_neither_notification_nor_e_mail(setting):
    people = setting["people"]
    comments.add_comment(people["member"], setting["section"], body="What does @Editor think?")
    assert counts() == (1, 1)  # heard of at once, in the same transaction
    db.session.rollback()
    assert counts() == (0, 0)


def test_the_comment_is_posted_and_heard_of_once_per_announcement(setting):
    """Connecting the receivers again (a second app in the same process) does not notify twice."""
    from app.notifications.receivers import connect_receivers

    connect_receivers()
    people = setting["people"]
    comment = comments.add_comment(people["member"], setting["section"], body="What does @Editor think?")
    db.session.commit()
    assert len(comment_added.receivers) == 1
    assert db.session.get(type(comment), comment.id).body == "What does @Editor think?"
    assert list(db.session.scalars(select(Notification.user_id))) == [people["editor"].id]
