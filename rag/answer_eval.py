"""Answer-level evaluation: accuracy, abstention, citations and latency, overall and per language."""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.evaluate import EvalItem, satisfies
from rag.pipeline import Pipeline
from rag.retrieval import Retriever
from rag.settings import Settings
from rag.types import Answer


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def judge(item: EvalItem, answer: Answer | None, error: str = "") -> dict[str, Any]:
    """The verdict on one answer, with what the metrics need."""
    if answer is None:
        return {"verdict": "error", "error": error, "abstained": False, "correct": False, "cited_docs": []}
    cited = sorted({c.doc_id for c in answer.citations})
    correct = item.answerable and not answer.abstained and satisfies(answer.answer, item.must_include)
    if not item.answerable:
        verdict = "correct abstention" if answer.abstained else "answered an unanswerable question"
    elif answer.abstained:
        verdict = "false abstention"
    else:
        verdict = "correct" if correct else "wrong or incomplete"
    return {
        "verdict": verdict,
        "correct": correct,
        "abstained": answer.abstained,
        "cited_docs": cited,
        "cited_gold": [d for d in cited if d in item.gold_docs],
    }


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def answer_metrics(pairs: list[tuple[EvalItem, dict[str, Any]]]) -> dict[str, Any]:
    """The answer metrics over (item, verdict) pairs."""
    answerable = [v for i, v in pairs if i.answerable]
    unanswerable = [v for i, v in pairs if not i.answerable]
    answered = [v for _, v in pairs if not v["abstained"] and v["verdict"] != "error"]
    cited = sum(len(v["cited_docs"]) for i, v in pairs if i.answerable and not v["abstained"])
    gold = sum(len(v.get("cited_gold", [])) for i, v in pairs if i.answerable and not v["abstained"])
    return {
        "n": len(pairs),
        "accuracy": _ratio(sum(v["correct"] for v in answerable), len(answerable)),
        "abstention_accuracy": _ratio(sum(v["abstained"] for v in unanswerable), len(unanswerable)),
        "false_abstention_rate": _ratio(sum(v["abstained"] for v in answerable), len(answerable)),
        "citation_precision": _ratio(gold, cited),
        "citation_coverage": _ratio(sum(bool(v["cited_docs"]) for v in answered), len(answered)),
        "errors": sum(v["verdict"] == "error" for _, v in pairs),
    }


def latency_metrics(timings: list[dict[str, float]]) -> dict[str, float | None]:
    """p50/p95 of the stage timings of every answer."""

    def pick(key: str) -> list[float]:
        return [t[key] for t in timings if key in t]

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {
        "retrieval_ms_p50": rounded(percentile(pick("retrieval_ms"), 50)),
        "first_token_s_p50": rounded(percentile(pick("first_token_s"), 50)),
        "answer_s_p50": rounded(percentile(pick("answer_s"), 50)),
        "answer_s_p95": rounded(percentile(pick("answer_s"), 95)),
        "answer_s_mean": rounded(statistics.fmean(pick("answer_s")) if pick("answer_s") else None),
    }


def answer_record(answer: Answer) -> dict[str, Any]:
    """The JSON-ready parts of an Answer for questions.jsonl and the report."""
    return {
        "answer": answer.answer,
        "abstained": answer.abstained,
        "lang": answer.lang,
        "query": answer.query,
        "citations": [
            {
                "n": c.n,
                "doc_id": c.doc_id,
                "chunk_id": c.chunk_id,
                "quote": c.quote,
                "start": c.start,
                "end": c.end,
            }
            for c in answer.citations
        ],
        "checks": list(answer.checks),
        "timings": {k: round(v, 4) for k, v in answer.timings.items()},
        "models": answer.models,
    }


def evaluate_answers(
    items: list[EvalItem],
    retriever: Retriever,
    settings: Settings,
    records: list[dict[str, Any]],
    out: Path,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Answer every question; return the summary parts and the records extended with answers."""
    pipeline = Pipeline(settings, retriever=retriever)
    # The first question must not pay for the prompt's fixed part (it would skew the latency figures); a
    # failure here is recorded on every question below.
    with contextlib.suppress(RagError):
        pipeline.warm_up()
    pairs, timings = [], []
    for done, (item, record) in enumerate(zip(items, records, strict=True), start=1):
        try:
            answer = pipeline.ask(item.question)
            verdict = judge(item, answer)
            record.update(answer_record(answer))
            timings.append(answer.timings)
        except RagError as exc:
            verdict = judge(item, None, str(exc))
        record.update(verdict, gold_docs=list(item.gold_docs), answerable=item.answerable)
        pairs.append((item, verdict))
        if progress:
            progress(done, len(items))
    summary: dict[str, Any] = {"answers": answer_metrics(pairs), "latency": latency_metrics(timings)}
    summary["by_lang"] = {
        lang: answer_metrics([(i, v) for i, v in pairs if i.lang == lang])
        for lang in sorted({i.lang for i in items})
    }
    summary["generator"] = pipeline.generator.name
    return summary, records
