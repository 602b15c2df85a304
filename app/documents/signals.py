"""What the documents module tells others, without knowing who listens (blinker signals, as Indico does).

Receivers run inside the transaction that made the change; one that does slow work (a render, mail)
defers it with `app.background.after_commit`, so it runs only if the change commits.
"""
from blinker import Namespace

_signals = Namespace()

version_final = _signals.signal("version-final", doc="""
Sent once a version has become its document's final text (sender: the Version), before the commit.
""")
