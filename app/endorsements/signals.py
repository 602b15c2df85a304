"""What the endorsements module tells others, without knowing who listens (blinker signals).

Receivers run inside the transaction that made the change; one that does slow work defers it with
`app.tasks.after_commit` (a task of the queue), so it runs only if the change commits.
"""
from blinker import Namespace

_signals = Namespace()

endorsements_changed = _signals.signal("endorsements-changed", doc="""
Sent when an organisation endorsed a final version or withdrew its endorsement (sender: the Version),
before the commit.
""")
