"""What the discussion tells the packages built on it, without knowing them (blinker signals, as
documents.signals does for the core). Notifications listen here.

Each is sent inside the transaction that made the change, after its audit event is written; receivers run
synchronously, so what they add (a notification, an e-mail in the outbox) commits or rolls back with it.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

comment_added = _signals.signal("comment-added", doc="""
Sent once a comment is flushed (sender: the Comment; keyword argument actor: who wrote it), a new thread
or a reply (the comment's parent_id says which). Keyword argument imported: True when the actor brought it
in from a file (a Word import, written by the comment's credited author): whoever imports tells of the
whole import once, not of each comment.
""")

comment_edited = _signals.signal("comment-edited", doc="""
Sent once a comment's text changed (sender: the Comment, with its new body; keyword arguments actor and
old_body: its text before the change).
""")

amendment_proposed = _signals.signal("amendment-proposed", doc="""
Sent once a suggested change is flushed (sender: the Amendment; keyword arguments actor, and imported as
for comment_added).
""")

amendment_decided = _signals.signal("amendment-decided", doc="""
Sent once a suggested change was accepted or rejected (sender: the Amendment, whose status says which;
keyword argument actor: the editor who decided).
""")
