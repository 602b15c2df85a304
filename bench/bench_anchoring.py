"""How long a section save takes while it carries its open threads' anchors (issue 25).

    .venv/bin/python bench/bench_anchoring.py --db URL [--threads 150,500] [--label sqlite]

The database at URL must be empty (a fresh SQLite file, or a freshly created PostgreSQL database);
its schema is made by the migrations. Everything goes through the service layer.

For each number of threads and each kind of save below, a fresh section holds about 20 KB of GDPR
recitals (/work/shared/data, as bench/build_data.py's storage section), N members' threads each
quoting three to five words spread evenly over it, then one editor's save is timed: from
`save_section` to its commit (the whole write transaction, which on SQLite holds the database's
write lock, so it is also how long every other writer waits). The anchors are then checked against
where the words really went.

Kinds of save:
- `sentence`: one sentence added at the top (the common case);
- `scattered`: one word changed in every fifth paragraph (a proof-reading pass);
- `every_quote`: the first letter of every quoted phrase changes case ("The protection" -> "the
  protection"): every anchor leaves its unchanged stretch, the slow path for each one;
- `rewrite`: the text replaced by other recitals (every anchor's words gone, unless the same words
  stand somewhere in the new text: then those count as right too).
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("ACCORD_BENCH_DATA", ROOT.parent / "shared" / "data"))
SECTION_CHARS = 20_000
KINDS = ("sentence", "scattered", "every_quote", "rewrite")


def make_app(url: str):
    os.environ["ACCORD_ENV"] = "testing"
    os.environ["TEST_DATABASE_URL"] = url
    from app import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=url)


def recitals(offset: int = 0) -> str:
    """About 20 KB of real prose (GDPR recitals from the `offset`-th character on), cut at a paragraph end."""
    text = (DATA / "gdpr-regulation-2016-679.md").read_text(encoding="utf-8")
    start = text.find("(1)") + offset
    chunk = text[start:start + SECTION_CHARS + 4000]
    chunk = chunk[chunk.find("\n\n") + 2:] if offset else chunk
    end = chunk.rfind("\n\n", 0, SECTION_CHARS + 1)
    return chunk[:end if end > SECTION_CHARS * 0.9 else SECTION_CHARS].strip("\n")


def quote_spans(text: str, count: int) -> list[tuple[int, int]]:
    """`count` spans of three to five whole words, spread evenly over the text, none overlapping."""
    words = [m.span() for m in re.finditer(r"[A-Za-z][A-Za-z'-]+", text)]
    spans, last_end = [], -1
    for i in range(count):
        index = i * len(words) // count
        while index < len(words) and words[index][0] <= last_end:
            index += 1
        length = 3 + i % 3
        if index + length > len(words):
            break
        spans.append((words[index][0], words[index + length - 1][1]))
        last_end = spans[-1][1]
    return spans


def edited(kind: str, text: str, spans: list[tuple[int, int]]) -> str:
    if kind == "sentence":
        return "These recitals are quoted as adopted, without the footnotes.\n\n" + text
    if kind == "scattered":
        paragraphs = text.split("\n\n")
        for i in range(0, len(paragraphs), 5):
            paragraphs[i] = re.sub(r"\b(the|of|and)\b", "THE", paragraphs[i], count=1)
        return "\n\n".join(paragraphs)
    if kind == "every_quote":  # one typo-sized change in every quoted phrase
        pieces, at = [], 0
        for start, _end in spans:
            pieces += [text[at:start], text[start].swapcase()]
            at = start + 1
        return "".join(pieces) + text[at:]
    if kind == "rewrite":
        return recitals(offset=60_000)
    raise ValueError(kind)


def is_right(kind: str, old: str, new: str, span: tuple[int, int], got: str | None) -> bool:
    """Whether the words a reader sees highlighted after the save (None: outdated) are the right ones."""
    quote = old[span[0]:span[1]]
    if kind == "rewrite":
        return got is None or got == quote
    if kind == "every_quote":
        return got == quote[0].swapcase() + quote[1:]
    if kind == "scattered" and got != quote:  # one of its words was changed: followed, still close to it
        return got is not None and difflib.SequenceMatcher(None, quote, got).ratio() >= 0.75
    return got == quote


def run_case(app, count: int, kind: str) -> dict:
    from app.auth.services import create_user
    from app.comments import anchoring
    from app.comments import services as discussion
    from app.comments.models import Comment
    from app.documents import services as documents
    from app.extensions import db
    from app.groups.models import Membership
    from app.groups.services import create_group

    with app.app_context():
        tag = f"{count}-{kind}-{time.monotonic_ns()}"
        editor = create_user(f"editor-{tag}@bench.example.eu", "Eda Editor", "bench-password-not-secret")
        member = create_user(f"member-{tag}@bench.example.eu", "Mara Member", "bench-password-not-secret")
        group = create_group(editor, f"Anchors {tag}", "")
        db.session.add(Membership(group_id=group.id, user_id=member.id, role="member"))
        db.session.flush()
        text = recitals()
        document = documents.create_document(editor, group, title="Recitals", kind="statement",
                                              sections=[{"heading": "Recitals", "body": text}])
        section = document.sections[0]
        spans = quote_spans(section.body, count)
        comments = [discussion.add_comment(member, section, body=f"On these words ({i}).", quote=text[a:b], start=a)
                    for i, (a, b) in enumerate(spans)]
        db.session.commit()
        assert len(comments) == count, f"only {len(comments)} quotes found"
        new = edited(kind, section.body, spans)
        anchoring._CACHE.clear()
        started = time.perf_counter()
        documents.save_section(editor, section, body=new, base_revision=section.current_revision)
        db.session.commit()
        seconds = time.perf_counter() - started
        right = wrong = 0
        for comment, span in zip(comments, spans):
            db.session.refresh(comment)
            got = None if comment.located_state == "orphaned" else new[comment.located_start:comment.located_end]
            if is_right(kind, text, new, span, got):
                right += 1
            else:
                wrong += 1
        stored = db.session.query(Comment).filter(Comment.section_id == section.id).count()
        db.session.remove()
    return {"threads": count, "kind": kind, "save_seconds": round(seconds, 3), "anchors_right": right,
            "anchors_wrong": wrong, "comments": stored, "section_chars": len(text)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="SQLAlchemy URL of an empty database (default: a new SQLite file)")
    parser.add_argument("--threads", default="150,500")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--label", default="")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='accord-anchors-')}/bench.db"
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        from app.extensions import db

        upgrade()
        dialect = db.engine.dialect.name
    results = []
    print(f"{args.label or dialect}: save with N open quoted threads on a section of ~{SECTION_CHARS // 1000} KB")
    print(f"{'threads':>7} {'save':>12} {'seconds':>8} {'anchors right/wrong':>20}")
    for count in (int(n) for n in args.threads.split(",")):
        for kind in args.kinds.split(","):
            result = run_case(app, count, kind)
            results.append(result)
            print(f"{count:>7} {kind:>12} {result['save_seconds']:>8.2f} "
                  f"{result['anchors_right']:>11}/{result['anchors_wrong']}", flush=True)
    worst = max(r["save_seconds"] for r in results)
    print(f"worst save: {worst:.2f} s; median {statistics.median(r['save_seconds'] for r in results):.2f} s")
    if args.out:
        Path(args.out).write_text(json.dumps({"dialect": dialect, "label": args.label, "results": results}, indent=2))


if __name__ == "__main__":
    main()
