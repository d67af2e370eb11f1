"""Eval sets: load them, measure retrieval (and answers), write summary.json and questions.jsonl."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.retrieval import MODES, Retriever, load_retriever
from rag.settings import Settings
from rag.types import Hit

KS = (1, 3, 5)
LANGS = ("id", "en", "vi")


@dataclass(frozen=True, slots=True)
class EvalItem:
    """One question of an eval set."""

    id: str
    lang: str
    question: str
    gold_docs: tuple[str, ...]
    must_include: tuple[tuple[str, ...], ...]
    answerable: bool


def _item(data: object, where: str) -> EvalItem:
    """Validate one parsed line against the schema."""
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object")
    missing = [k for k in ("id", "question", "answerable") if k not in data]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
    groups = data.get("must_include", [])
    if not isinstance(groups, list) or not all(isinstance(g, list) and g for g in groups):
        raise InputError(f"{where}: must_include must be a list of non-empty lists of strings")
    if not isinstance(data["question"], str) or not data["question"].strip():
        raise InputError(f"{where}: question must be a non-empty string")
    return EvalItem(
        id=str(data["id"]),
        lang=str(data.get("lang", "id")),
        question=data["question"],
        gold_docs=tuple(str(d) for d in data.get("gold_docs", [])),
        must_include=tuple(tuple(str(a) for a in g) for g in groups),
        answerable=bool(data["answerable"]),
    )


def load_dataset(path: Path) -> list[EvalItem]:
    """Read a JSONL eval set; a malformed line raises InputError naming its line number."""
    if not path.is_file():
        raise InputError(f"eval set not found: {path}")
    items: list[EvalItem] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path.name} line {number}: invalid JSON ({exc.msg})") from None
        items.append(_item(data, f"{path.name} line {number}"))
    if not items:
        raise InputError(f"{path} holds no questions")
    return items


def satisfies(text: str, groups: tuple[tuple[str, ...], ...]) -> bool:
    """True when every must_include group has an alternative occurring in text (case-insensitive)."""
    lowered = text.lower()
    return all(any(alt.lower() in lowered for alt in group) for group in groups)


def retrieval_row(item: EvalItem, hits: list[Hit]) -> dict[str, Any]:
    """Per-question retrieval measures at k = 1, 3, 5."""
    docs = [h.chunk.doc_id for h in hits]
    gold = set(item.gold_docs)
    row: dict[str, Any] = {}
    for k in KS:
        row[f"doc_recall@{k}"] = len(gold & set(docs[:k])) / len(gold) if gold else 0.0
        row[f"answer_hit@{k}"] = satisfies("\n".join(h.chunk.text for h in hits[:k]), item.must_include)
    first = next((rank for rank, doc in enumerate(docs, start=1) if doc in gold), None)
    row["rr"] = 1.0 / first if first else 0.0
    return row


def summarize_retrieval(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Means over the answerable questions."""
    if not rows:
        return {}
    keys = [f"{m}@{k}" for m in ("doc_recall", "answer_hit") for k in KS]
    summary = {key: round(sum(float(r[key]) for r in rows) / len(rows), 4) for key in keys}
    summary["mrr"] = round(sum(r["rr"] for r in rows) / len(rows), 4)
    return summary


def _progress(items: list[EvalItem], desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr, disable=None)


def evaluate_retrieval(
    items: list[EvalItem], retriever: Retriever, mode: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Retrieval summary for one mode and the per-question records."""
    records, rows = [], []
    for item in _progress(items, f"retrieval ({mode})"):
        hits = retriever.search(item.question, top_k=max(KS), mode=mode)
        record: dict[str, Any] = {"id": item.id, "lang": item.lang, "question": item.question, "mode": mode}
        record["retrieved"] = [{"chunk_id": h.chunk.chunk_id, "score": round(h.score, 5)} for h in hits]
        if item.answerable:
            record["retrieval"] = retrieval_row(item, hits)
            rows.append(record["retrieval"])
        records.append(record)
    return summarize_retrieval(rows), records


def run_eval(
    items: list[EvalItem],
    settings: Settings,
    out: Path,
    *,
    retrieval_only: bool,
    mode: str,
    progress: Callable[[int, int], None] | None = None,
    retriever: Retriever | None = None,
) -> dict[str, Any]:
    """Run the eval set; write summary.json, questions.jsonl and report.html to `out`; return the summary.

    `progress(done, total)` is called after each answered question (full eval only).
    """
    retriever = retriever or load_retriever(settings)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {
        "n": len(items),
        "n_answerable": sum(i.answerable for i in items),
        "mode": mode,
    }
    summary["retrieval"], records = evaluate_retrieval(items, retriever, mode)
    summary["retrieval_by_mode"] = {mode: summary["retrieval"]}
    for other in MODES:
        if other != mode:
            summary["retrieval_by_mode"][other] = evaluate_retrieval(items, retriever, other)[0]
    if not retrieval_only:
        from rag.answer_eval import evaluate_answers

        answers, records = evaluate_answers(items, retriever, settings, records, out, progress)
        summary.update(answers)
    (out / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    with (out / "questions.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    from rag.report import write_report

    write_report(summary, records, out / "report.html")
    return summary
