"""Load test: N concurrent gradio_client users ask dev-set questions against a running local app.

    .venv/bin/python app.py &                      # or: RAG_GENERATOR=extractive .venv/bin/python app.py &
    .venv/bin/python bench/load_test.py --url http://127.0.0.1:7860/ --users 16 --duration 120 \
        --out out/load-test.json
    .venv/bin/python bench/load_test.py --users 4 --duration 10     # a quick check

Each user asks a random question from evals/dev.jsonl through the /ask endpoint, waits for the answer,
then asks the next, until the duration is over (a question already asked is still waited for).
Prints (and with --out writes) JSON: requests, failures, queue wait (submit until the app starts on the
request) and total time (submit until the answer), each as p50/p95 in seconds, and the largest queue
position a user was shown. Exit status 1 when a request failed. Only loopback URLs are accepted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer_eval import percentile  # noqa: E402
from rag.evaluate import load_dataset  # noqa: E402

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
POLL_S = 0.02  # how often a user looks at the job's status, as the page's queue indicator does


def ask_once(client: Any, question: str) -> dict[str, Any]:
    """Ask one question; return whether it succeeded, its queue wait, total time and queue positions."""
    submitted, started = datetime.now(), time.monotonic()
    row: dict[str, Any] = {"ok": False, "positions": []}
    job, seen = None, []
    try:
        job = client.submit(question, "", api_name="/ask")
        while not job.done():
            seen.append(job.status())  # what a user sees while waiting: "position 2 of 3"
            time.sleep(POLL_S)
        result = job.result()
        row["ok"] = isinstance(result, dict) and bool(result.get("answer"))
        if not row["ok"]:
            row["error"] = f"empty or malformed answer: {str(result)[:120]}"
    except Exception as exc:  # a failed request is what this script counts, whatever its kind
        row["error"] = f"{type(exc).__name__}: {exc}"[:200]
    row["total_s"] = time.monotonic() - started
    updates = seen + _all_updates(job)
    row["positions"] = sorted({u.rank + 1 for u in updates if _code(u) == "IN_QUEUE" and u.rank is not None})
    processing = [u.time for u in updates if _code(u) in ("PROCESSING", "ITERATING") and u.time is not None]
    row["wait_s"] = (min(processing) - submitted).total_seconds() if processing else None
    return row


def _code(update: Any) -> str:
    return str(getattr(update.code, "name", update.code))


def _all_updates(job: Any) -> list[Any]:
    """Every status message the server sent for a finished job (polling can miss a short queue stay).

    gradio_client keeps them in the job's communicator queue; nothing else reads that queue here.
    """
    updates = getattr(getattr(job, "communicator", None), "updates", None)
    found = []
    while updates is not None and not updates.empty():
        update = updates.get_nowait()
        if getattr(update, "type", "") == "status":
            found.append(update)
    return found


def user(url: str, questions: list[str], deadline: float, seed: int, rows: list[dict[str, Any]]) -> None:
    """One simulated official: asks random questions one at a time until the deadline."""
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as exc:  # the app is down or refuses: every user reports it as a failure
        rows.append({"ok": False, "error": f"connect: {type(exc).__name__}: {exc}"[:200], "positions": []})
        return
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        rows.append(ask_once(client, rng.choice(questions)))


def run(url: str, users: int, seconds: float, dataset: Path = ROOT / "evals" / "dev.jsonl") -> dict[str, Any]:
    """Run the users in threads and summarise their requests."""
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise SystemExit(f"refusing to load-test {host}: only this machine's loopback addresses")
    if users < 1 or seconds <= 0:
        raise SystemExit("--users must be at least 1 and --duration greater than 0")
    questions = [item.question for item in load_dataset(dataset)]
    rows: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=user, args=(url, questions, deadline, i, rows)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarise(rows, users, seconds)


def summarise(rows: list[dict[str, Any]], users: int, seconds: float) -> dict[str, Any]:
    """Counts, p50/p95 queue wait and total time of the successful requests, queue positions seen."""
    ok = [r for r in rows if r["ok"]]
    waits = [r["wait_s"] for r in ok if r.get("wait_s") is not None]
    totals = [r["total_s"] for r in ok]

    def r3(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {
        "users": users,
        "duration_s": seconds,
        "requests": len(rows),
        "failures": len(rows) - len(ok),
        "errors": sorted({r["error"] for r in rows if "error" in r})[:5],
        "queue_wait_s_p50": r3(percentile(waits, 50)),
        "queue_wait_s_p95": r3(percentile(waits, 95)),
        "total_s_p50": r3(percentile(totals, 50)),
        "total_s_p95": r3(percentile(totals, 95)),
        "requests_shown_a_position": sum(bool(r["positions"]) for r in rows),
        "max_queue_position_shown": max((max(r["positions"], default=0) for r in rows), default=0),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860/")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--duration", "--seconds", dest="duration", type=float, default=120.0)
    parser.add_argument("--dataset", type=Path, default=ROOT / "evals" / "dev.jsonl")
    parser.add_argument("--out", type=Path, help="also write the JSON summary to this file")
    args = parser.parse_args(argv)
    summary = run(args.url, args.users, args.duration, args.dataset)
    text = json.dumps(summary, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.exit(1 if summary["failures"] or not summary["requests"] else 0)


if __name__ == "__main__":
    main()
