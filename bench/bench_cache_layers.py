"""What each cache layer of the document page buys: the page under the 20-member load, and cold.

    .venv/bin/python bench/bench_cache_layers.py --label sqlite --workdir DIR [--db-kind sqlite|postgresql]
        [--configs current,without-holes] [--rounds 2] [--seconds 60] [--changes 12]

The data of bench_load.py is seeded once (same seed), and each configuration runs on a fresh copy of it,
with a freshly started gunicorn (4 sync workers), in turn (a, b, a, b, ...) so that a drift of the
machine's speed touches every configuration alike:

- `current`: the page as it is (each worker keeps its own caches, authorship in holes);
- `without-holes`: a section holding comments of the reader is kept for that reader alone. Only with
  bench/no-holes.patch applied (`git apply bench/no-holes.patch`, then `git apply -R` after), which makes
  the page read ACCORD_BENCH_NO_HOLES.

Until 2026-12-07 a third layer, a cache shared by the workers through Redis, was measured here as
`with-shared` against `without-shared` (bench/README.md, "Cache layers"); it was removed.

Each run measures:
1. opening: all 20 members sign in at once and each opens the page once per worker (every cache cold);
2. load: bench_load.py's 20 members for --seconds (page p95 against /healthz p95 in the same run);
3. cold after a change: --changes times, one member saves a one-word edit or comments on a section, then
   that member and another one open the page, one request at a time, until each of the 4 workers has
   served each of them once (gunicorn's access log names the worker); the first view by each worker of
   each member is "cold", later ones "warm". Server time (%(D)s) and client time are both reported.
Writes bench/results/cache-layers-<label>.json and prints a table.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_codrafting import Server, machine, pct, sign_in  # noqa: E402
from bench_load import SEED, WORD, check, load, replace_word, seed  # noqa: E402
from build_data import PASSWORD  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
CONFIGS = {"current": {}, "without-holes": {"env": {"ACCORD_BENCH_NO_HOLES": "1"}}}


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median_ms": ms(statistics.median(values)), "p95_ms": ms(pct(values, 95)),
            "max_ms": ms(max(values))}


def psql(*commands: str) -> None:
    args = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]
    for command in commands:
        args += ["-c", command]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def fresh_copy(kind: str, seeded: str, workdir: Path, name: str) -> str:
    if kind == "sqlite":
        target = workdir / f"{name}.db"
        shutil.copyfile(seeded, target)
        for suffix in ("-wal", "-shm"):
            if Path(seeded + suffix).exists():
                shutil.copyfile(seeded + suffix, str(target) + suffix)
        return f"sqlite:///{target}"
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name} TEMPLATE {seeded}")
    return PG + name


def served_by(access_log: Path, tag: str) -> tuple[str, float] | None:
    """(worker pid, server time in ms) of the request whose query was cold=tag, from the access log."""
    until = time.monotonic() + 2
    needle = f"cold={tag} "
    while time.monotonic() < until:
        for line in access_log.read_text(errors="replace").splitlines()[-50:]:
            if needle in line + " ":
                parts = line.split()
                return parts[-1], int(parts[4]) / 1000
        time.sleep(0.02)
    return None


def cold_after_changes(server: Server, manifest: dict, changes: int, rng: random.Random) -> dict:
    members = [u for u in manifest["users"] if u["role"] == "member" and u.get("token")][:2]
    browsers = [sign_in(server.base, m["email"], PASSWORD) for m in members]
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {members[0]['token']}"
    page = f"{server.base}/documents/{manifest['document_id']}"
    access = server.log.with_suffix(".access")
    for browser in browsers:  # each worker has seen the page at least once before the first change
        for _ in range(8):
            browser.get(page, timeout=120).raise_for_status()
    cold = {"client": [], "server": []}
    warm = {"client": [], "server": []}
    unseen = 0
    for n in range(changes):
        sid = rng.choice(manifest["editable_section_ids"])
        current = api.get(f"{server.base}/api/v1/sections/{sid}", timeout=30).json()
        if n % 2:
            body = replace_word(current["body"], rng, f"q9x{n}c")
            answer = api.put(f"{server.base}/api/v1/sections/{sid}", timeout=30,
                             json={"body": body, "base_revision": current["revision"], "message": "cold"})
        else:
            words = WORD.findall(current["body"])
            answer = api.post(f"{server.base}/api/v1/sections/{sid}/comments", timeout=30,
                              json={"body": f"Cold probe {n}: is this the word?", "quote": rng.choice(words)})
        if answer.status_code not in (200, 201):
            raise SystemExit(f"the change answered {answer.status_code}: {answer.text[:300]}")
        for who, browser in enumerate(browsers):
            seen = set()
            for attempt in range(60):
                tag = f"{n}-{who}-{attempt}"
                started = time.perf_counter()
                response = browser.get(page, params={"cold": tag}, timeout=120)
                _ = response.content
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                found = served_by(access, tag)
                if found is None:
                    continue
                pid, server_ms = found
                into = warm if pid in seen else cold
                into["client"].append(elapsed)
                into["server"].append(server_ms / 1000)
                seen.add(pid)
                if len(seen) == server.workers:
                    break
            unseen += server.workers - len(seen)
    return {"changes": changes, "workers_never_reached": unseen,
            "cold_client": summary(cold["client"]), "cold_server": summary(cold["server"]),
            "warm_client": summary(warm["client"]), "warm_server": summary(warm["server"])}


def run_one(kind: str, seeded: str, manifest: dict, workdir: Path, config: str, index: int, args) -> dict:
    name = f"accord_h6_layers_{index}" if kind == "postgresql" else f"run-{index}"
    url = fresh_copy(kind, seeded, workdir, name)
    run_manifest = {**manifest, "database_url": url}
    rundir = workdir / f"run-{index}-{config}"
    rundir.mkdir(parents=True, exist_ok=True)
    settings = CONFIGS[config]
    saved = dict(os.environ)
    os.environ["BENCH_ACCESS_LOG"] = "1"
    os.environ.update(settings.get("env", {}))
    server = Server(url, rundir, workers=4)
    try:
        server.start()
        started = time.time()
        out, rec = load(server, run_manifest, args.members, args.seconds)
        checked = check(run_manifest, rec)
        cold = cold_after_changes(server, run_manifest, args.changes, random.Random(SEED + index))
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
        if kind == "postgresql":
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    page, health = out["kinds"]["page"], out["kinds"]["healthz"]
    result = {"config": config, "round": index, "started": datetime.fromtimestamp(started, UTC).isoformat(),
              "loadavg": os.getloadavg(), "opening": out["opening"], "page": page, "healthz": health,
              "page_p95_over_healthz_p95": out.get("page_p95_over_healthz_p95"),
              "requests_per_second": out["requests_per_second"], "errors": out["errors"],
              "error_samples": out["error_samples"], "lost": checked["lost"],
              "comments_missing": checked["comments_missing"], "cold": cold}
    print(json.dumps(result), flush=True)
    return result


def print_table(label: str, results: list[dict]) -> None:
    print(f"\n[{label}] page, ms (client), median / p95")
    print(f"  {'config':<16}{'opening':>16}{'load page':>16}{'healthz':>14}{'ratio':>7}"
          f"{'cold (server)':>18}{'warm (server)':>18}{'err':>5}{'lost':>5}")
    for r in results:
        c = r["cold"]
        print(f"  {r['config']:<16}{r['opening']['median_ms']:>8}/{r['opening']['p95_ms']:<7}"
              f"{r['page']['median_ms']:>8}/{r['page']['p95_ms']:<7}{r['healthz']['median_ms']:>6}/"
              f"{r['healthz']['p95_ms']:<7}{r['page_p95_over_healthz_p95']:>6}x"
              f"{c['cold_server']['median_ms']:>9}/{c['cold_server']['p95_ms']:<8}"
              f"{c['warm_server']['median_ms']:>9}/{c['warm_server']['p95_ms']:<8}{r['errors']:>5}{r['lost']:>5}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--db-kind", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--configs", default="current")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--changes", type=int, default=12)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    configs = args.configs.split(",")
    if "without-holes" in configs and "ACCORD_BENCH_NO_HOLES" not in (ROOT / "app/comments/fragments.py").read_text():
        raise SystemExit("without-holes needs bench/no-holes.patch applied (git apply bench/no-holes.patch)")
    if args.db_kind == "sqlite":
        seeded = str(args.workdir / "seeded.db")
        seed_url = f"sqlite:///{seeded}"
    else:
        seeded = "accord_h6_layers_seed"
        psql(f"DROP DATABASE IF EXISTS {seeded} WITH (FORCE)", f"CREATE DATABASE {seeded}")
        seed_url = PG + seeded
    print(f"[{args.label}] seeding", flush=True)
    manifest = seed(seed_url, random.Random(SEED))
    results = []
    index = 0
    for _round in range(args.rounds):
        for config in configs:
            print(f"[{args.label}] run {index}: {config}", flush=True)
            results.append(run_one(args.db_kind, seeded, manifest, args.workdir, config, index, args))
            index += 1
    if args.db_kind == "postgresql":
        psql(f"DROP DATABASE IF EXISTS {seeded} WITH (FORCE)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"cache-layers-{args.label}.json").write_text(json.dumps(
        {"label": args.label, "machine": machine(), "seeded": manifest["seeded"], "runs": results}, indent=2))
    print_table(args.label, results)
    return 0 if all(r["errors"] == 0 and r["lost"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
