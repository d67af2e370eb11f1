"""Load test: N concurrent gradio_client users ask dev-set questions against a running local app.

    .venv/bin/python bench/load_test.py --url http://127.0.0.1:7860/ --users 16 --seconds 120

Prints (and with --out writes) JSON: requests, failures, waiting time in the queue (p50/p95), total
latency (p50/p95), and the largest queue position users were shown. Only loopback URLs are accepted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer_eval import percentile  # noqa: E402
from rag.evaluate import load_dataset  # noqa: E402

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def user(url: str, questions: list[str], deadline: float, seed: int, rows: list[dict[str, Any]]) -> None:
    """One simulated official: asks random questions until the deadline, one at a time."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        question = rng.choice(questions)
        started = time.monotonic()
        row: dict[str, Any] = {"ok": False, "max_rank": 0, "wait_s": None}
        try:
            job = client.submit(question, "[]", api_name="/ask")
            while not job.done():
                status = job.status()
                rank = getattr(status, "rank", None)
                if rank is not None:
                    row["max_rank"] = max(row["max_rank"], int(rank) + 1)
                if row["wait_s"] is None and getattr(status.code, "name", "") in ("PROCESSING", "ITERATING"):
                    row["wait_s"] = time.monotonic() - started
                time.sleep(0.05)
            result = job.result()
            row["ok"] = isinstance(result, dict | str) and bool(result)
        except Exception as exc:  # a failed request is what this script counts, whatever its kind
            row["error"] = f"{type(exc).__name__}: {exc}"[:200]
        row["latency_s"] = time.monotonic() - started
        row["wait_s"] = row["wait_s"] if row["wait_s"] is not None else row["latency_s"]
        rows.append(row)


def run(url: str, users: int, seconds: float) -> dict[str, Any]:
    """Run the users in threads and summarise."""
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise SystemExit(f"refusing to load-test {host}: only this machine's loopback addresses")
    questions = [item.question for item in load_dataset(ROOT / "evals" / "dev.jsonl")]
    rows: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=user, args=(url, questions, deadline, i, rows)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 600)
    waits = [r["wait_s"] for r in rows if r["ok"]]
    latencies = [r["latency_s"] for r in rows if r["ok"]]

    def r3(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {
        "users": users,
        "seconds": seconds,
        "requests": len(rows),
        "failures": sum(not r["ok"] for r in rows),
        "errors": sorted({r["error"] for r in rows if "error" in r})[:5],
        "wait_s_p50": r3(percentile(waits, 50)),
        "wait_s_p95": r3(percentile(waits, 95)),
        "latency_s_p50": r3(percentile(latencies, 50)),
        "latency_s_p95": r3(percentile(latencies, 95)),
        "max_queue_position_shown": max((r["max_rank"] for r in rows), default=0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860/")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    summary = run(args.url, args.users, args.seconds)
    text = json.dumps(summary, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.exit(1 if summary["failures"] else 0)


if __name__ == "__main__":
    main()
