"""Answer metrics and the HTML report, from hand-made answers."""

from __future__ import annotations

import pytest

from rag.answer_eval import answer_metrics, judge, latency_metrics, percentile
from rag.evaluate import EvalItem
from rag.report import render_report
from rag.types import Answer, Citation


def _item(answerable: bool = True, lang: str = "id") -> EvalItem:
    groups = (("2045",), ("50%", "50 persen")) if answerable else ()
    gold = ("doc-a",) if answerable else ()
    return EvalItem("q", lang, "Apa target 2045?", gold, groups, answerable)


def _answer(text: str, abstained: bool = False, docs: tuple[str, ...] = ()) -> Answer:
    cites = tuple(Citation(n, d, f"{d}#0", "", "quote", 0, 5) for n, d in enumerate(docs, start=1))
    return Answer("q", text, abstained, "id", citations=cites)


@pytest.mark.parametrize(
    ("answerable", "answer", "verdict", "correct"),
    [
        (True, _answer("Pada 2045 ekonomi digital 50% PDB [1].", docs=("doc-a",)), "correct", True),
        (True, _answer("Pada 2045 [1].", docs=("doc-a",)), "wrong or incomplete", False),
        (True, _answer("Tidak disebutkan.", abstained=True), "false abstention", False),
        (False, _answer("Tidak disebutkan.", abstained=True), "correct abstention", False),
        (False, _answer("Gajinya 5 juta [1].", docs=("doc-b",)), "answered an unanswerable question", False),
    ],
)
def test_judge(answerable: bool, answer: Answer, verdict: str, correct: bool) -> None:
    result = judge(_item(answerable), answer)
    assert (result["verdict"], result["correct"]) == (verdict, correct)


def test_answer_metrics() -> None:
    pairs = [
        (_item(), judge(_item(), _answer("2045, 50 persen [1][2]", docs=("doc-a", "doc-b")))),
        (_item(), judge(_item(), _answer("x", abstained=True))),
        (_item(), judge(_item(), _answer("2045 saja [1]", docs=("doc-a",)))),
        (_item(False), judge(_item(False), _answer("x", abstained=True))),
        (_item(False), judge(_item(False), _answer("karangan"))),
    ]
    metrics = answer_metrics(pairs)
    assert metrics["accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["false_abstention_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["abstention_accuracy"] == 0.5
    assert metrics["citation_precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["citation_coverage"] == pytest.approx(2 / 3, abs=1e-4)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([], 50, None), ([3.0], 95, 3.0), ([1, 2, 3, 4], 50, 2.5), ([1, 2, 3], 100, 3)],
)
def test_percentile(values: list[float], q: float, expected: float | None) -> None:
    assert percentile(values, q) == expected


def test_latency_metrics() -> None:
    timings = [
        {"retrieval_ms": 10.0, "first_token_s": 1.0, "answer_s": 2.0},
        {"retrieval_ms": 20.0, "answer_s": 4.0},
    ]
    latency = latency_metrics(timings)
    assert latency["retrieval_ms_p50"] == 15.0 and latency["first_token_s_p50"] == 1.0
    assert latency["answer_s_p50"] == 3.0 and latency["answer_s_p95"] == 3.9


def test_report_escapes_text_and_shows_verdicts() -> None:
    summary = {
        "n": 1,
        "n_answerable": 1,
        "mode": "hybrid",
        "retrieval": {"answer_hit@1": 1.0},
        "answers": {"n": 1, "accuracy": 1.0},
        "by_lang": {"id": {"n": 1, "accuracy": 1.0}},
        "latency": {"answer_s_p50": 2.0},
    }
    record = {
        "id": "q1",
        "lang": "id",
        "question": "<script>alert(1)</script>",
        "answer": "Jawab <b>x</b> [1]",
        "verdict": "correct",
        "citations": [{"n": 1, "doc_id": "d", "chunk_id": "d#0", "quote": "<img src=x>"}],
    }
    html = render_report(summary, [record])
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x>" not in html and "verdict: correct" in html
    assert html.count("<svg") >= 2
