"""Run every dev question through answer_question; print accuracy, abstention, citations and latency.

    .venv/bin/python bench/tune_answers.py [--cache FILE] [--only id-001,en-003] [--show wrong]

With --cache, raw model replies are stored by prompt, so that changing the checks or thresholds can be
re-measured in seconds (latencies are then only meaningful for prompts not yet in the cache).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answering import answer_question, warm_up  # noqa: E402
from rag.evaluate import satisfies  # noqa: E402
from rag.generators import make_generator  # noqa: E402
from rag.generators.base import Generator  # noqa: E402
from rag.retrieval import load_retriever  # noqa: E402
from rag.settings import load_settings  # noqa: E402
from rag.types import Answer  # noqa: E402


class CachingGenerator:
    """Replays the stored reply for a prompt already seen, else asks the real generator and stores it."""

    def __init__(self, inner: Generator, path: Path) -> None:
        self.inner, self.path, self.name = inner, path, inner.name
        self.store: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}

    def stream(self, messages: list[dict[str, str]], *, max_tokens: int, stop: list[str]) -> Iterator[str]:
        key = hashlib.sha256(json.dumps([self.name, messages, max_tokens, stop]).encode()).hexdigest()
        if key in self.store:
            yield self.store[key]
            return
        pieces = []
        for piece in self.inner.stream(messages, max_tokens=max_tokens, stop=stop):
            pieces.append(piece)
            yield piece
        self.store[key] = "".join(pieces)
        self.path.write_text(json.dumps(self.store, ensure_ascii=False, indent=0))


def verdict(row: dict[str, Any], answer: Answer) -> str:
    """correct | wrong | false-abstention | abstained-ok | answered-unanswerable"""
    if not row["answerable"]:
        return "abstained-ok" if answer.abstained else "answered-unanswerable"
    if answer.abstained:
        return "false-abstention"
    groups = tuple(tuple(g) for g in row["must_include"])
    return "correct" if satisfies(answer.answer, groups) else "wrong"


Result = tuple[dict[str, Any], Answer, str]


def summarise(results: list[Result], label: str) -> str:
    """One line of metrics over a set of results."""
    answerable = [(r, a, v) for r, a, v in results if r["answerable"]]
    unanswerable = [a for r, a, _ in results if not r["answerable"]]
    cited = [c.doc_id in r["gold_docs"] for r, a, _ in answerable if not a.abstained for c in a.citations]

    def ratio(num: int, den: int) -> str:
        return f"{num / den:.3f}" if den else "  -  "

    correct = sum(v == "correct" for *_, v in answerable)
    return (
        f"{label:4} n={len(results):3} accuracy={ratio(correct, len(answerable))} "
        f"abstention_acc={ratio(sum(a.abstained for a in unanswerable), len(unanswerable))} "
        f"false_abst={ratio(sum(a.abstained for _, a, _ in answerable), len(answerable))} "
        f"cite_precision={ratio(sum(cited), len(cited))}"
    )


def report(results: list[Result], seconds: float, name: str) -> None:
    """Metrics overall and per language, then latency percentiles."""
    print(f"\n{len(results)} questions in {seconds:.0f} s, generator {name}")
    for lang in ("all", "id", "en", "vi"):
        print(summarise([x for x in results if lang in ("all", x[0]["lang"])], lang))
    for label, subset in (
        ("all answers", results),
        ("generated only", [x for x in results if "generation_s" in x[1].timings]),
    ):
        for key in ("first_token_s", "answer_s"):
            values = [a.timings[key] for _, a, _ in subset if key in a.timings]
            if values:
                print(f"p50 {key} ({label}) = {statistics.median(values):.2f} s, max {max(values):.2f} s")


def dump(results: list[Result], path: Path) -> None:
    """One JSON line per question: verdict, answer, checks, timings, cited documents."""
    with path.open("w", encoding="utf-8") as out:
        for row, answer, result in results:
            record = {
                "id": row["id"],
                "verdict": result,
                "answer": answer.answer,
                "checks": answer.checks,
                "timings": answer.timings,
                "cited": [c.doc_id for c in answer.citations],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dev", type=Path, default=ROOT / "evals" / "dev.jsonl")
    parser.add_argument("--cache", type=Path, default=None, help="JSON file of raw replies by prompt")
    parser.add_argument("--only", default="", help="comma-separated question ids")
    parser.add_argument("--show", default="wrong,false-abstention,answered-unanswerable")
    parser.add_argument("--generator", default=None)
    parser.add_argument("--dump", type=Path, default=None, help="write one JSON line per question here")
    args = parser.parse_args()
    settings = load_settings(**({"generator": args.generator} if args.generator else {}))
    retriever = load_retriever(settings)
    generator: Generator = make_generator(settings)
    print(f"prompt prefix: {warm_up(generator)}")  # as the app and `rag eval` do before the first question
    if args.cache:
        generator = CachingGenerator(generator, args.cache)
    rows = [json.loads(line) for line in args.dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if not args.only or r["id"] in args.only.split(",")]
    results: list[Result] = []
    started = time.perf_counter()
    for row in rows:
        answer = answer_question(row["question"], retriever=retriever, generator=generator, settings=settings)
        results.append((row, answer, verdict(row, answer)))
        if results[-1][2] in args.show.split(","):
            print(f"--- {row['id']} {results[-1][2]}: {row['question']}\n    {answer.answer}")
            print("    " + "\n    ".join(answer.checks[-4:]))
    if args.dump:
        dump(results, args.dump)
    report(results, time.perf_counter() - started, generator.name)


if __name__ == "__main__":
    main()
