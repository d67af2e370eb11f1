"""Abbreviations spelled out from the articles' own sentences, without the model."""

from __future__ import annotations

import pytest
from conftest import FixedRetriever, NoModel

from rag.abbreviations import asked_abbreviations, find_expansion
from rag.answering import answer_question
from rag.settings import Settings
from rag.types import Chunk, Hit

TEXT = (
    "Pusat ini didirikan atas inisiatif Kementerian Sains dan Teknologi Vietnam, yang diketuai oleh "
    "Institut Teknologi Pos dan Telekomunikasi (PTIT) dan Universitas Teknologi Sydney (UTS). Bapak Park, "
    "Ketua "
    'Badan Promosi Industri Nasional Korea (NIPA), hadir. Semua mengikuti model STID - "Sains, Teknologi, '
    'Inovasi, Transformasi Digital". Dana ini dikelola oleh lembaga (LPDP) setempat.'
)
CHUNK = Chunk("d#0", "d", 0, TEXT, 0, len(TEXT), "Judul", "http://example/d")


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("PTIT yg jadi tempat peresmian AVSTC itu kepanjangannya apa sih?", ["PTIT"]),  # AVSTC: context
        ("What do AVSTC, PTIT and UTS stand for?", ["AVSTC", "PTIT", "UTS"]),
        ("Kepanjangan PTIT dan NIPA apa? Lalu kapan AVSTC dibuka?", ["PTIT", "NIPA"]),
        ("What does NATIF stand for?", ["NATIF"]),
        ("AVSTC là tên viết tắt của trung tâm nào vậy?", ["AVSTC"]),
        ("NIPA came up at the forum - what's the agency's full name?", ["NIPA"]),
        ("Kapan PTIT meresmikan AVSTC?", []),  # asks no long form
        ("Apa kepanjangan dari pusat itu?", []),  # names no abbreviation
        ("Apa singkatan KH&CN-nya?", []),  # not a plain abbreviation
    ],
)
def test_asked_abbreviations(question: str, asked: list[str]) -> None:
    assert asked_abbreviations(question) == asked


@pytest.mark.parametrize(
    ("abbreviation", "long_form", "quoted"),
    [
        ("PTIT", "Institut Teknologi Pos dan Telekomunikasi", "Pusat ini didirikan"),  # "oleh" ends the name
        ("NIPA", "Badan Promosi Industri Nasional Korea", "Bapak Park"),  # a title is not part of it
        ("STID", "Sains, Teknologi, Inovasi, Transformasi Digital", "Semua mengikuti"),  # spelled out after
        ("LPDP", None, ""),  # "(LPDP)" after a lower-case word: no name to give
        ("AVSTC", None, ""),  # not in the text
    ],
)
def test_find_expansion(abbreviation: str, long_form: str | None, quoted: str) -> None:
    found = find_expansion(abbreviation, [CHUNK])
    assert (found.long_form if found else None) == long_form
    if found is not None:
        a, b = found.span
        assert TEXT[a:b].startswith(quoted) and abbreviation in TEXT[a:b]


def _retriever() -> FixedRetriever:
    """Retrieves an unrelated chunk; the defining one is only in the index."""
    other = "Vietnam dan Laos bekerja sama dalam transformasi digital sejak lama."
    hit = Hit(Chunk("o#0", "o", 0, other, 0, len(other)), 0.03, 1, dense_score=0.9)
    return FixedRetriever([hit], [hit.chunk, CHUNK])


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "PTIT itu kepanjangannya apa?",
            "PTIT adalah singkatan dari Institut Teknologi Pos dan Telekomunikasi",
        ),
        ("What does NIPA stand for?", "NIPA stands for Badan Promosi Industri Nasional Korea"),
        ("STID là viết tắt của gì?", "STID là viết tắt của Sains, Teknologi, Inovasi, Transformasi Digital"),
    ],
)
def test_an_abbreviation_question_is_answered_from_its_sentence(question: str, expected: str) -> None:
    answer = answer_question(question, retriever=_retriever(), generator=NoModel(), settings=Settings())  # type: ignore[arg-type]
    assert answer.answer.startswith(expected) and not answer.abstained
    (citation,) = answer.citations
    assert citation.doc_id == "d" and TEXT[citation.start : citation.end] == citation.quote
    assert f"{asked_abbreviations(question)[0]}" in citation.quote
    assert any(line.startswith("abbreviation:") for line in answer.checks)
    assert answer.prompt == ""


def test_two_abbreviations_are_both_answered_and_a_shared_sentence_is_cited_once() -> None:
    answer = answer_question(
        "What do PTIT, UTS, STID and NIPA stand for?", retriever=_retriever(), generator=NoModel(),
        settings=Settings(),
    )  # type: ignore[arg-type]  # fmt: skip
    assert answer.answer.startswith("PTIT stands for Institut Teknologi Pos dan Telekomunikasi")
    assert "UTS stands for Universitas Teknologi Sydney (the article's Indonesian name) [1]." in answer.answer
    assert "STID stands for Sains, Teknologi, Inovasi, Transformasi Digital" in answer.answer
    assert "NIPA stands for Badan Promosi Industri Nasional Korea (the article's Indonesian name) [3]." in (
        answer.answer
    )
    assert [c.n for c in answer.citations] == [1, 2, 3]
    assert [c.quote.split()[0] for c in answer.citations] == ["Pusat", "Semua", "Bapak"]
