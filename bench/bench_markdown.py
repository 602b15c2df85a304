"""The Markdown bounds benchmark (issue 25): the worst case per hostile input class, before and after,
and the ordinary 45 KB document before and after.

    .venv/bin/python bench/bench_markdown.py [--cap 2] [--size 1048576] [--runs 30]

"Before" is Python-Markdown and nh3 in this process with no bound (markdown_core.render: what
render_markdown did before issue 25). A pathological text can take minutes, so each class is measured
at doubling sizes from 2 KiB, each run in a child process killed after 60 s, until a run takes more than
--cap seconds or reaches --size; the time at --size is then EXTRAPOLATED from the last two sizes
(t * (size / n) ** k, k the exponent between them) and marked "~". A RecursionError is reported as such
(a page answered 500). "After" is render_markdown (shape checks, then the render process with
MARKDOWN_RENDER_SECONDS = 2) on the text at --size, measured: its time and its outcome (formatted,
refused by a shape check, or cut off by the time bound). Prints a table, writes bench/results/markdown.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path("/work/shared/data")


def _nested(line: str, depth: int) -> str:
    return "\n".join("    " * i + line for i in range(depth))


def _nested_depth_for(size: int, line_length: int) -> int:
    return max(2, int(math.sqrt(2 * size / 4)))  # 4 columns a level: the text grows with depth squared


CLASSES = {
    "[ repeated": lambda n: "[" * n,
    "![ repeated": lambda n: "![" * (n // 2),
    "[a]( repeated (addresses left open)": lambda n: "[a](" * (n // 4),
    "[ nested ([[[x]]])": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "50 [ left open in one paragraph": lambda n: "[" * 50 + " word" * (n // 5),
    "x[^1] (one footnote, many references)": lambda n: "x[^1]" * (n // 5) + "\n\n[^1]: n",
    "> nested (>>>>)": lambda n: ">" * n + " x",
    "> nested line by line": lambda n: "\n".join(">" * i + " x" for i in range(1, int(math.sqrt(2 * n)))),
    "- list nested": lambda n: _nested("- x", _nested_depth_for(n, 4)),
    "1. list nested": lambda n: _nested("1. x", _nested_depth_for(n, 4)),
    "** nested (**...x...**)": lambda n: "**" * (n // 4) + "x" + "**" * (n // 4),
    "*_ nested": lambda n: "*_" * (n // 4) + "x" + "_*" * (n // 4),
    "definitions chained (t / : d)": lambda n: "t\n: d\n" * (n // 6),
    "*a repeated": lambda n: "*a" * (n // 2),
    "_a repeated": lambda n: "_a" * (n // 2),
    "`a repeated": lambda n: "`a" * (n // 2),
    "<a repeated": lambda n: "<a" * (n // 2),
    "<div> nested": lambda n: "<div>" * (n // 5),
    "& repeated": lambda n: "&" * n,
    "<http:// autolinks left open": lambda n: "<http://a" * (n // 9),
    "abbreviations (*[EU]: e) and uses": lambda n: "*[EU]: e\n\n" + "EU " * (n // 3),
    "reference links [a][b] undefined": lambda n: "[a][b]" * (n // 6),
    "setext headings a / = (no blank line)": lambda n: "a\n=\n" * (n // 4),
    "rules *** (no blank line)": lambda n: "***\n" * (n // 4),
    "headings # h": lambda n: "# h\n\n" * (n // 5),
    "table rows": lambda n: "|a|b|\n|-|-|\n" + "|x|y|\n" * (n // 6),
    "flat list items": lambda n: "- x\n" * (n // 4),
    "long line of words": lambda n: "word " * (n // 5),
}


def _before_once(name: str, size: int) -> None:
    """Child process: one unbounded rendering, its seconds (or the exception) on stdout as JSON."""
    from app.documents.markdown_core import new_converter, render

    converter = new_converter()
    render(converter, "warm up")
    text = CLASSES[name](size)
    started = time.perf_counter()
    try:
        render(converter, text, "s1-")
        outcome = "ok"
    except RecursionError:
        outcome = "RecursionError"
    print(json.dumps({"seconds": time.perf_counter() - started, "outcome": outcome, "chars": len(text)}))


def before(name: str, size: int, cap: float) -> dict:
    points = []
    n = 2048
    while True:
        n = min(n, size)
        try:
            run = subprocess.run([sys.executable, __file__, "--before-one", name, str(n)], capture_output=True,
                                 text=True, timeout=60, check=True)
            point = json.loads(run.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            point = {"seconds": 60.0, "outcome": "killed after 60 s", "chars": n}
        point["size"] = n
        points.append(point)
        if point["outcome"] != "ok":
            return {"seconds": point["seconds"], "at": n, "extrapolated": False, "outcome": point["outcome"],
                    "points": points}
        if n >= size or point["seconds"] > cap:
            break
        n *= 2
    last = points[-1]
    if last["size"] >= size or len(points) < 2:
        return {"seconds": last["seconds"], "at": last["size"], "extrapolated": False, "outcome": "ok",
                "points": points}
    previous = points[-2]
    exponent = math.log(max(last["seconds"], 1e-6) / max(previous["seconds"], 1e-6)) / math.log(2)
    exponent = min(max(exponent, 1.0), 3.0)
    estimate = last["seconds"] * (size / last["size"]) ** exponent
    return {"seconds": estimate, "at": last["size"], "measured": last["seconds"], "exponent": exponent,
            "extrapolated": True, "outcome": "ok", "points": points}


def after(name: str, size: int) -> dict:
    from app.documents.rendering import _render

    text = CLASSES[name](size)
    started = time.perf_counter()
    rendered = _render(text, "s1-")
    seconds = time.perf_counter() - started
    if rendered.problem is None:
        outcome = "formatted"
    elif "seconds to format" in rendered.problem:
        outcome = "time bound"
    else:
        outcome = "shape check"
    return {"seconds": seconds, "chars": len(text), "outcome": outcome, "problem": rendered.problem}


def ordinary(runs: int) -> dict:
    """The realistic 45 KB document (the Standard for Public Code, cut at a paragraph), plus a short
    comment: plain Python-Markdown + nh3 in this process against render_markdown, interleaved."""
    from app.documents.markdown_core import new_converter, render
    from app.documents.rendering import render_markdown

    text = (DATA / "standard-for-public-code.md").read_text(encoding="utf-8")[:46_000]
    document = text[:text.rfind("\n\n")]
    comment = "I would say *each* organisation, as in [the charter](https://example.eu/charter)."
    converter = new_converter()
    figures = {}
    for label, sample in (("45 KB document", document), ("short comment", comment)):
        assert render_markdown(sample, "s1-") == render(converter, sample, "s1-")  # same HTML, byte for byte
        plain, bounded = [], []
        for _ in range(runs):
            started = time.perf_counter()
            render(converter, sample, "s1-")
            plain.append(time.perf_counter() - started)
            started = time.perf_counter()
            render_markdown(sample, "s1-")
            bounded.append(time.perf_counter() - started)
        figures[label] = {"chars": len(sample), "before_ms": statistics.median(plain) * 1000,
                          "after_ms": statistics.median(bounded) * 1000}
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cap", type=float, default=2.0, help="stop measuring 'before' past this many seconds")
    parser.add_argument("--size", type=int, default=1 << 20)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", default="", help="comma-separated class names (default: all)")
    parser.add_argument("--before-one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.before_one:
        _before_once(args.before_one[0], int(args.before_one[1]))
        return 0

    print(f"machine: {os.cpu_count()} cores, {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    figures = {"ordinary": ordinary(args.runs)}
    for label, row in figures["ordinary"].items():
        print(f"{label:20s} {row['chars']:>8,} chars  before {row['before_ms']:8.2f} ms  "
              f"after {row['after_ms']:8.2f} ms")
    classes = [name for name in CLASSES if not args.only or name in args.only.split(",")]
    figures["classes"] = {}
    print(f"\n{'class':40s} {'before':>24s} {'after':>10s}  outcome")
    for name in classes:
        was = before(name, args.size, args.cap)
        now = after(name, args.size)
        figures["classes"][name] = {"before": was, "after": now}
        if was["outcome"] != "ok":
            shown = f"{was['outcome']} at {was['at']:,}"
        elif was["extrapolated"]:
            shown = f"~{was['seconds']:,.0f} s (k={was['exponent']:.1f})"
        else:
            shown = f"{was['seconds']:.2f} s"
        print(f"{name:40s} {shown:>24s} {now['seconds']:8.2f} s  {now['outcome']}", flush=True)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "markdown.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
