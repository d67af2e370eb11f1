"""Fusion and the three retrieval modes."""

from __future__ import annotations

import itertools

import pytest

from rag.corpus import load_corpus
from rag.errors import InputError
from rag.indexing import build_index, load_index
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


def test_hybrid_hits_carry_both_scores(retriever: Retriever) -> None:
    hit = retriever.search("superkomputer NATIF", top_k=1, mode="hybrid")[0]
    assert hit.chunk.doc_id == "alpha"
    assert hit.dense_score is not None and hit.lexical_score is not None
    assert hit.dense_rank == 1 and hit.lexical_rank == 1


def test_lexical_search_with_only_stop_words_finds_nothing(retriever: Retriever) -> None:
    assert retriever.search("yang dan di", mode="lexical") == []


@pytest.mark.parametrize(
    ("query", "top_k", "mode"), [("", 5, "hybrid"), ("x", 0, "hybrid"), ("x", 5, "fuzzy")]
)
def test_bad_search_arguments(retriever: Retriever, query: str, top_k: int, mode: str) -> None:
    with pytest.raises(InputError):
        retriever.search(query, top_k=top_k, mode=mode)
