"""How fast the web app's pages answer with many comments in the store: median and 95th percentile per page.

The store: one real nightly run over generated demo data (--base comments), then its comments, assignments
and map positions copied with new ids and shifted dates up to --comments (default 100k). That is what a
page reads (the published run), without embedding 100k texts first. The app runs in uvicorn on 127.0.0.1;
each page is requested --repeats times by a logged-in client after one warm-up request.

    python benchmarks/web.py                   # 100k comments (target: p95 < 300 ms per page)
    python benchmarks/web.py --comments 5000 --repeats 5     # a quick check that it runs
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from common import RESULTS

from voc import store  # noqa: E402
from voc.shutdown import exit_now  # noqa: E402

TARGET_P95_MS = 300.0  # the target per page
AGENT_PASSWORD = PM_PASSWORD = "benchmark-password"


def build_store(db: Path, base: int, total: int) -> str:
    """A published store with at least `total` comments (whole copies of the base run); returns the busiest
    agent's id."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.nightly import nightly
    from voc.demo import generate
    from voc.web import users

    files = generate(db.parent / "demo", n_comments=base, n_days=60, seed=11)
    with prefect_test_harness(server_startup_timeout=180):
        nightly(str(files.comments), str(db), source_name="demo")
    with store.open(db, write=True) as con:
        copies = max(0, -(-total // base) - 1)
        run_id = store.published_run(con)
        for k in range(1, copies + 1):
            suffix = f"-x{k}"
            con.execute("INSERT INTO comments BY NAME SELECT * REPLACE (comment_id || ? AS comment_id, "
                        "created_at - to_days(? * 60) AS created_at) FROM comments "
                        "WHERE NOT contains(comment_id, '-x')",
                        [suffix, k % 3])
            for table in ("assignments", "comment_map"):
                con.execute(f"INSERT INTO {table} BY NAME SELECT * REPLACE (comment_id || ? AS comment_id) "
                            f"FROM {table} WHERE run_id = ? AND NOT contains(comment_id, '-x')", [suffix, run_id])
        con.execute("CHECKPOINT")
        agent = con.execute("SELECT agent_id FROM current_assignments GROUP BY agent_id ORDER BY count(*) DESC, "
                            "agent_id LIMIT 1").fetchall()[0][0]
        users.add(con, "pm", "pm", PM_PASSWORD)
        users.add(con, "agent", "agent", AGENT_PASSWORD, agent_id=agent)
    return agent


def serve(db: Path):
    import uvicorn

    from voc.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db, secret="bench", sync_seconds=None), host="127.0.0.1",
                                           port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def client_for(url: str, name: str, password: str):
    import httpx

    client = httpx.Client(base_url=url, timeout=60)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"csrf": token, "name": name, "password": password})
    return client


def timings(client, path: str, repeats: int) -> list[float]:
    assert client.get(path).status_code == 200, path  # warm-up, and a check that the page works
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, path
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=2000, help="comments in the real nightly run that is copied")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "voc.duckdb"
        print(f"building a store with {args.comments} comments ...", flush=True)
        agent = build_store(db, args.base, args.comments)
        server, url = serve(db)
        pm, agent_client = client_for(url, "pm", PM_PASSWORD), client_for(url, "agent", AGENT_PASSWORD)
        top = pm.get("/themes").text
        theme_id = re.search(r'href="/themes/(\d+)"', top).group(1)
        pages = {"themes": (pm, "/themes"), "themes (filtered, daily)": (pm, "/themes?period=30d&grain=day&q=e"),
                 "theme": (pm, f"/themes/{theme_id}"),
                 "theme (page 3, filtered)": (pm, f"/themes/{theme_id}?page=3&sentiment=negative"),
                 "map": (pm, "/map"), "runs": (pm, "/runs"), "my feedback (agent)": (agent_client, f"/agent/{agent}")}
        results = {}
        for name, (client, path) in pages.items():
            ms = sorted(timings(client, path, args.repeats))
            results[name] = {"path": path, "median_ms": round(statistics.median(ms), 1),
                             "p95_ms": round(ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))], 1)}
        with store.open(db) as con:
            stored = con.execute("SELECT count(*) FROM current_assignments").fetchall()[0][0]
        server.should_exit = True
    out = {"comments": stored, "repeats": args.repeats, "target_p95_ms": TARGET_P95_MS, "pages": results}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "web.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"\n{stored} comments, {args.repeats} requests per page\n")
    print(f"| page | median ms | p95 ms | p95 < {TARGET_P95_MS:.0f} ms |\n|---|---:|---:|---|")
    for name, r in results.items():
        print(f"| {name} | {r['median_ms']} | {r['p95_ms']} | {'yes' if r['p95_ms'] < TARGET_P95_MS else 'NO'} |")


if __name__ == "__main__":
    main()
    exit_now(0)  # without module teardown: no page of DuckDB "leaked instance" warnings
