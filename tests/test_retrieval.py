"""Fusion and the three retrieval modes."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from conftest import FakeEmbedder

from rag.corpus import load_corpus
from rag.errors import InputError
from rag.indexing import SentenceVectors, build_index, load_index
from rag.retrieval import Retriever, reciprocal_rank_fusion
from rag.settings import Settings


@pytest.mark.parametrize(
    ("rankings", "k", "weights", "expected"),
    [
        ([["a", "b", "c"]], 60, None, ["a", "b", "c"]),
        ([["a", "b"], ["b", "a"]], 60, None, ["a", "b"]),  # a tie keeps first-seen order
        # 1/61 + 1/63 > 2/62: one first place and one last beat two second places.
        ([["a", "b", "c"], ["c", "b", "a"]], 60, None, ["a", "c", "b"]),
        ([["a", "b"], ["b", "c"]], 60, None, ["b", "a", "c"]),  # agreement beats one first place
        ([["a", "b", "c"], ["c", "d", "b"]], 60, None, ["c", "b", "a", "d"]),
        ([["a", "b", "c"], ["c", "d", "b"]], 0, None, ["c", "a", "b", "d"]),  # k = 0: first places weigh more
        ([["a", "b"], ["b", "a"]], 60, [1.0, 0.0], ["a", "b"]),  # a zero weight ignores a list
        ([["a", "b"], ["b", "a"]], 60, [0.2, 1.0], ["b", "a"]),
        ([[], ["x"]], 60, None, ["x"]),
        ([], 60, None, []),
    ],
)
def test_reciprocal_rank_fusion(
    rankings: list[list[str]], k: int, weights: list[float] | None, expected: list[str]
) -> None:
    assert [key for key, _ in reciprocal_rank_fusion(rankings, k, weights)] == expected


def test_rrf_scores_follow_the_formula() -> None:
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["b"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)


def test_rrf_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], k=-1)
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0])


@pytest.fixture
def retriever(settings: Settings, fake_embedder) -> Retriever:  # type: ignore[no-untyped-def]
    build_index(load_corpus(settings.corpus_dir), settings, fake_embedder)
    return Retriever(load_index(settings.index_dir, fake_embedder.model_id), fake_embedder)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_modes_find_the_passage(retriever: Retriever, mode: str) -> None:
    hits = retriever.search("Berapa dana awal Australia untuk Pusat Teknologi Strategis?", top_k=2, mode=mode)
    assert hits[0].chunk.doc_id == "beta"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def test_hybrid_hits_carry_every_score(retriever: Retriever) -> None:
    hit = retriever.search("superkomputer NATIF", top_k=1, mode="hybrid")[0]
    assert hit.chunk.doc_id == "alpha"
    assert hit.dense_score is not None and hit.lexical_score is not None and hit.sentence_score is not None
    assert hit.dense_rank == 1 and hit.lexical_rank == 1 and hit.sentence_rank == 1
    assert hit.sentence_score >= hit.dense_score, "one sentence matches a short query better than its chunk"
    dense = retriever.search("superkomputer NATIF", top_k=1, mode="dense")[0]
    assert dense.sentence_score is None and dense.score == dense.dense_score


def _sentences(rows: list[int], vectors: list[list[float]]) -> SentenceVectors:
    matrix = np.array(vectors, np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return SentenceVectors(np.array(rows, np.int32), np.zeros((len(rows), 2), np.int32), matrix)


def test_a_chunk_ranks_by_its_best_sentence() -> None:
    vectors = [[1, 0, 0], [0.2, 1, 0], [0.9, 0.1, 0], [0, 0, 1], [0.5, 0.5, 0.7]]
    sentences = _sentences([0, 0, 1, 1, 2], vectors)
    ranked = sentences.best_chunks(np.array([1, 0, 0], np.float32), depth=3)
    assert [row for row, _ in ranked] == [0, 1, 2], "each chunk once, by its best sentence"
    assert ranked[0][1] == pytest.approx(1.0)
    assert ranked[1][1] == pytest.approx(0.9 / np.linalg.norm([0.9, 0.1, 0]))
    assert [row for row, _ in sentences.best_chunks(np.array([0, 0, 1], np.float32), depth=1)] == [1]


def test_an_index_without_sentence_vectors_still_answers_then_gets_them(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    build_index(load_corpus(settings.corpus_dir), settings, fake_embedder)
    manifest_path = settings.index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    (settings.index_dir / manifest["files"].pop("sentences")["name"]).unlink()
    manifest_path.write_text(json.dumps(manifest))  # as an index built by an earlier version
    index = load_index(settings.index_dir, fake_embedder.model_id)
    assert index.sentences is None
    hits = Retriever(index, fake_embedder).search("superkomputer NATIF", top_k=2)
    assert hits[0].chunk.doc_id == "alpha" and all(h.sentence_score is None for h in hits)
    report = build_index(load_corpus(settings.corpus_dir), settings, fake_embedder)
    assert report.wrote and report.embedded_chunks == report.total_chunks, "embedded again, sentences too"
    assert load_index(settings.index_dir, fake_embedder.model_id).sentences is not None


def test_lexical_search_with_only_stop_words_finds_nothing(retriever: Retriever) -> None:
    assert retriever.search("yang dan di", mode="lexical") == []


@pytest.mark.parametrize(
    ("query", "top_k", "mode"), [("", 5, "hybrid"), ("x", 0, "hybrid"), ("x", 5, "fuzzy")]
)
def test_bad_search_arguments(retriever: Retriever, query: str, top_k: int, mode: str) -> None:
    with pytest.raises(InputError):
        retriever.search(query, top_k=top_k, mode=mode)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        # the lexical side reads the glossary's Indonesian: "nguồn vốn ban đầu" is "dana awal"
        ("Cung cấp bao nhiêu nguồn vốn ban đầu cho trung tâm?", True),
        # without a glossary word, the same question shares no word with the articles
        ("Bao nhiêu?", False),
        # English is searched with its own words only (rag/glossary.py, SEARCH_LANGS)
        ("How much seed funding was provided?", False),
    ],
)
def test_vietnamese_questions_are_searched_with_the_articles_words(
    retriever: Retriever, query: str, found: bool
) -> None:
    hits = retriever.search(query, top_k=1, mode="lexical")
    assert bool(hits) and hits[0].chunk.doc_id == "beta" if found else not hits
