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

endorsement_opened = _signals.signal("endorsement-opened", doc="""
Sent once a version has been made final through endorsements.services.make_final and its deadline and
reminder schedule are stored (sender: the Version; keyword arguments actor: the coordinator, deadline: a
date or None, asked: list of (Organisation, [User representatives], previous Version or None), the
organisations taking part, each with the last final version of the document it was asked to endorse),
before the commit: their representatives are told that the text is ready for endorsement.
""")

signature_delegated = _signals.signal("signature-delegated", doc="""
Sent when a representative delegated signature of one version to a colleague (sender: the Delegation; keyword
argument actor: the representative), before the commit: the delegate is told.
""")
