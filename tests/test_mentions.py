"""Questions that ask where the articles mention something, answered by quoting the sentences that do."""

from __future__ import annotations

import pytest
from conftest import FixedRetriever, NoModel

from rag.answering import answer_question
from rag.mentions import asks_where_mentioned, find_mentions, mentions_answer, topic_terms
from rag.settings import Settings
from rag.types import Chunk, Hit

FIELDS = ("pendidikan", "pelatihan", "kesehatan")  # "pendidikan" and "pelatihan" are common words here
FILLER = [
    f"Kementerian membahas transformasi digital dan kerja sama {FIELDS[n % 3]} ke-{n} di Hanoi."
    for n in range(1, 61)
]
FIRST = " ".join(
    [
        *FILLER[:10],
        "Kementerian Pendidikan dan Pelatihan membuka empat proyek.",
        "Pejabat yang menempuh pendidikan diberi pelatihan singkat.",
        "Pada upacara peluncuran, delapan proyek pendanaan awal diumumkan.",
        "Proyek-proyek tersebut berfokus pada keamanan siber dan teknologi kuantum.",
        *FILLER[10:30],
    ]
)
SECOND = " ".join(
    [
        *FILLER[30:],
        "Uni Eropa mendukung riset kuantum melalui Horizon Europe.",
        "Vietnam saat ini memiliki populasi muda dan perusahaan rintisan yang berkembang pesat.",
    ]
)
CHUNKS = [
    Chunk("a#0", "a", 0, FIRST, 0, len(FIRST), "A", "http://example/a"),
    Chunk("b#0", "b", 0, SECOND, 0, len(SECOND), "B", "http://example/b"),
]


@pytest.mark.parametrize(
    ("question", "lang", "asks"),
    [
        ("teknologi kuantum tuh disebut di bagian mana aja di artikel-artikel ini?", "id", True),
        ("Kementerian Pendidikan disebut dalam konteks apa saja?", "id", True),
        ("UU itu muncul di artikel mana saja, konteksnya apa masing-masing?", "id", True),
        ("Where does cybersecurity come up across these articles?", "en", True),
        ("Where else is Laos mentioned in these articles?", "en", True),
        ("chất bán dẫn được nhắc tới trong những bối cảnh nào ở các bài viết?", "vi", True),
        # questions about one fact, even with a context word in them
        ("Dalam konteks apa Dubes Choi bicara soal pusat data?", "id", False),
        ("Di mana AVSTC diluncurkan?", "id", False),
        ("Where was the centre launched?", "en", False),
        # a place left out cannot be told apart by searching the topic's words
        ("Apart from the seminar, where else does Laos come up in these articles?", "en", False),
        ("Selain di seminar, Laos disebut dalam konteks apa saja?", "id", False),
        ("Hội thảo diễn ra ở đâu?", "vi", False),
    ],
)
def test_asks_where_mentioned(question: str, lang: str, asks: bool) -> None:
    assert asks_where_mentioned(question, lang) is asks


def test_topic_terms_leave_out_the_asking() -> None:
    question = "teknologi kuantum tuh disebut di bagian mana aja di artikel-artikel ini? konteksnya apa?"
    assert topic_terms(question, "id") == {"teknolog", "kuantum"}


def test_every_sentence_with_a_rare_topic_word_is_found_article_by_article() -> None:
    found = find_mentions("teknologi kuantum disebut dalam konteks apa saja?", "id", CHUNKS)
    quotes = [m.chunk.text[m.span[0] : m.span[1]] for m in found]
    # "Proyek-proyek tersebut" points back: the sentence naming the projects comes with it
    assert quotes == [
        "Pada upacara peluncuran, delapan proyek pendanaan awal diumumkan. "
        "Proyek-proyek tersebut berfokus pada keamanan siber dan teknologi kuantum.",
        "Uni Eropa mendukung riset kuantum melalui Horizon Europe.",
    ]
    assert [m.chunk.doc_id for m in found] == ["a", "b"]


def test_common_topic_words_are_searched_as_the_question_s_phrase() -> None:
    found = find_mentions(
        "Kementerian Pendidikan dan Pelatihan disebut dalam konteks apa saja?", "id", CHUNKS
    )
    # "pendidikan" and "pelatihan" in one sentence but not as the ministry's name: not a mention of it
    assert [m.chunk.text[m.span[0] : m.span[1]] for m in found] == [
        "Kementerian Pendidikan dan Pelatihan membuka empat proyek."
    ]


@pytest.mark.parametrize(
    "question",
    [
        "transformasi digital disebut dalam konteks apa saja?",  # in every sentence: nothing to search for
        "teknologi blockchain dan kuantum disebut dalam konteks apa saja?",  # no article has "blockchain"
    ],
)
def test_nothing_is_found_for_a_common_or_unknown_topic(question: str) -> None:
    assert find_mentions(question, "id", CHUNKS) == []


def test_the_english_lead_counts_one_place_in_the_singular() -> None:
    (mention,) = find_mentions("Where does Horizon Europe come up in these articles?", "en", CHUNKS)
    assert mentions_answer([mention], "en") == (
        "The articles mention it in 1 place (quoted in Indonesian):\n"
        "- Uni Eropa mendukung riset kuantum melalui Horizon Europe [1]."
    )


def test_a_typo_does_not_count_as_an_unknown_topic_word() -> None:
    found = find_mentions("perusahan rintisan disebut dalam konteks apa saja?", "id", CHUNKS)
    assert [m.chunk.doc_id for m in found] == ["b"]
    (mention,) = found
    # "saat ini" (now) does not point back to the sentence before
    assert mention.chunk.text[mention.span[0] : mention.span[1]].startswith("Vietnam saat ini")


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("teknologi kuantum disebut di bagian mana aja di artikel2 ini?", "Artikel-artikel ini menyebutnya"),
        ("Where does quantum technology come up in these articles?", "The articles mention it in 2 places"),
    ],
)
def test_a_where_mentioned_question_quotes_each_sentence_with_its_citation(question: str, lead: str) -> None:
    retriever = FixedRetriever([Hit(CHUNKS[0], 0.03, 1, dense_score=0.9)], CHUNKS)  # the other only indexed
    answer = answer_question(question, retriever=retriever, generator=NoModel(), settings=Settings())  # type: ignore[arg-type]
    assert answer.answer.startswith(lead) and not answer.abstained
    assert [c.n for c in answer.citations] == [1, 2]
    for citation in answer.citations:
        text = FIRST if citation.doc_id == "a" else SECOND
        assert text[citation.start : citation.end] == citation.quote
        assert f"{citation.quote.rstrip('.')} [{citation.n}]." in answer.answer
