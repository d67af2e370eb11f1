"""Follow-up questions rewritten into standalone ones."""

from __future__ import annotations

import pytest

from rag.followup import is_followup, rewrite_followup, turns

HISTORY = [
    ("Siapa Menteri Sains dan Teknologi Vietnam?", "Menteri Sains dan Teknologi adalah Nguyen Manh Hung [1].")
]


@pytest.mark.parametrize(
    ("question", "followup"),
    [
        ("Siapa dia?", True),
        ("Kapan itu?", True),
        ("And when?", True),
        ("What about Laos?", True),
        ("Còn ông ấy?", True),
        ("Berapa dananya?", True),
        ("Kapan dia bertemu Menteri Informasi dan Komunikasi Laos?", True),  # a personal pronoun
        ("Kapan pertemuan tersebut antara Vietnam dan Laos diadakan di Hanoi?", False),
        ("Siapa Duta Besar Uni Eropa untuk Vietnam?", False),
        ("When did Qualcomm open its AI research centre in Vietnam?", False),
    ],
)
def test_is_followup(question: str, followup: bool) -> None:
    assert is_followup(question) is followup


def test_rewrite_adds_previous_question_and_answer_names() -> None:
    rewrite = rewrite_followup("Siapa dia?", HISTORY)
    assert rewrite.rewritten
    assert (
        "Menteri Sains Teknologi Vietnam" in rewrite.query and "Siapa" not in rewrite.query.split("?", 1)[1]
    )
    assert "Nguyen Manh Hung" in rewrite.query
    assert rewrite.question.startswith("Siapa dia? (follow-up to: Siapa Menteri Sains dan Teknologi Vietnam?")


@pytest.mark.parametrize(
    "history",
    [None, [], [("", "")]],
)
def test_no_history_no_rewrite(history: list[tuple[str, str]] | None) -> None:
    assert rewrite_followup("Siapa dia?", history).query == "Siapa dia?"


def test_standalone_question_is_kept() -> None:
    question = "Berapa dana awal Australia untuk AVSTC?"
    assert not rewrite_followup(question, HISTORY).rewritten


def test_history_as_messages() -> None:
    messages = [
        {"role": "user", "content": "Which US company opened an AI centre in Vietnam?"},
        {"role": "assistant", "content": "Qualcomm opened it [1]."},
    ]
    assert turns(messages) == [
        ("Which US company opened an AI centre in Vietnam?", "Qualcomm opened it [1].")
    ]
    rewrite = rewrite_followup("And when?", messages)
    assert rewrite.query == "And when? US company opened AI centre Vietnam Qualcomm"
