"""What the documents core tells the packages built on it, without knowing them (blinker signals, as
Indico does). The core names no extension: comments, roadmaps, endorsements and exports listen here.

Receivers run synchronously inside the transaction that made the change; one that does slow work (a
render, mail) defers it with `app.tasks.after_commit` (a task of the queue), so it runs only if the change commits. Each
package connects its receivers in a `connect_receivers()` that the app factory calls; the factory refuses
to start when a signal in REQUIRED has no receiver, because the core relies on its answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from blinker import Namespace

_signals = Namespace()

section_saved = _signals.signal("section-saved", doc="""
Sent once a new revision of a section is flushed (sender: the Section; keyword arguments old_text,
new_text, old_number, new_number), inside the saving transaction, which holds the section's lock: a
receiver must be bounded in time. The discussion carries its anchors to the new revision here.
""")

text_parts = _signals.signal("text-parts", doc="""
Asked when a version is named (sender: the Document): a receiver returns a TextPart (something that is
part of the document's text beside its sections, e.g. a roadmap's actions) or None. Each part's canonical
form joins the content hash under its name, only when it is not empty, so that the hash of a document
without such parts stays what it always was.
""")

section_merged = _signals.signal("section-merged", doc="""
Sent after section_saved when the server merged a save with saves made since the writer's base revision
(sender: the Section; keyword arguments actor: who saved, revision: the new SectionRevision, merged_with:
the SectionRevisions saved since the writer's base, oldest first), inside the saving transaction: the
writers of those revisions may be told that their change was merged into.
""")

version_created = _signals.signal("version-created", doc="""
Sent once a version and its sections are flushed (sender: the Version; keyword argument parts: the
TextParts by name, as text_parts answered them), so that each part is frozen with the version.
""")

version_final = _signals.signal("version-final", doc="""
Sent once a version has become its document's final text (sender: the Version), before the commit.
""")

endorsement_closed = _signals.signal("endorsement-closed", doc="""
Sent once the final version's endorsement has closed (sender: the Version), before the commit: what a
sealed PDF says of it changes.
""")

# The core relies on these answers: without a receiver a save would leave the discussion's anchors behind,
# and a roadmap's version would be hashed and frozen without its actions.
REQUIRED = (section_saved, text_parts, version_created)


@dataclass(frozen=True)
class TextPart:
    name: str  # its key in the canonical form ("actions")
    canonical: list | None  # what the content hash covers; None or empty: nothing
    frozen: Any = None  # what the receiver of version_created keeps with the version


def missing_receivers() -> list[str]:
    return [signal.name for signal in REQUIRED if not signal.receivers]
