"""Dense, lexical and hybrid retrieval over a loaded index."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rag.corpus import load_corpus
from rag.dense import search_faiss
from rag.embedding import Embedder, embedder_model_id, make_embedder
from rag.errors import InputError
from rag.glossary import search_terms
from rag.indexing import LoadedIndex, load_index
from rag.language import detect_language
from rag.settings import Settings
from rag.types import Hit

MODES = ("hybrid", "dense", "lexical")
# Each list is cut at this depth before fusion: deep enough that a passage ranked well by one
# retriever and poorly by the other still gets both contributions.
FUSION_DEPTH = 30


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(d) = sum over lists of w / (k + rank of d), rank starting at 1.

    k = 60 is the constant of Cormack, Clarke & Buettcher (SIGIR 2009): it damps the weight of the
    very top ranks so that agreement between lists matters more than one list's first place.
    Weights default to 1 for every list. Ties keep the order in which ids were first seen.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    weights = weights if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


class Retriever:
    """Searches one index with one embedder."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, rrf_k: int = 60) -> None:
        self.index = index
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.last_timings: dict[str, float] = {}

    def _dense(
        self, query: str, depth: int, sentences: bool = False
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """Chunks by their vector and, with `sentences`, chunks by the vector of their best sentence."""
        started = time.perf_counter()
        vector = self.embedder.embed_queries([query])[0]
        self.last_timings["embed_ms"] = (time.perf_counter() - started) * 1000
        by_sentence = []
        if sentences and self.index.sentences is not None:
            by_sentence = self.index.sentences.best_chunks(vector, depth)
        return search_faiss(self.index.faiss, vector, depth), by_sentence

    def search(self, query: str, top_k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """The top_k chunks for a query, best first, with the scores of every retriever involved.

        A Vietnamese query is searched lexically with the glossary's Indonesian words for it as well
        (rag/glossary.py); the embedding reads the query as written.
        """
        if mode not in MODES:
            raise InputError(f"unknown mode '{mode}': use one of {', '.join(MODES)}")
        if top_k < 1:
            raise InputError("top_k must be at least 1")
        if not query.strip():
            raise InputError("the question is empty")
        started = time.perf_counter()
        depth = max(top_k, FUSION_DEPTH)
        dense, by_sentence = self._dense(query, depth, mode == "hybrid") if mode != "lexical" else ([], [])
        extra = search_terms(query, detect_language(query)) if mode != "dense" else ""
        words = f"{query} {extra}" if extra else query
        lexical = self.index.lexical.search(words, depth) if mode != "dense" else []
        # The lexical list counts as much as the query's words are the articles' words: fully for an
        # Indonesian question, little for a Vietnamese one whose BM25 matches are accidental, more when
        # the glossary gives it Indonesian words.
        weight = self.index.lexical.coverage(words) if mode == "hybrid" else 1.0
        hits = self._hits(dense, lexical, mode, top_k, weight, by_sentence)
        self.last_timings["retrieval_ms"] = (time.perf_counter() - started) * 1000
        return hits

    def _hits(
        self,
        dense: list[tuple[int, float]],
        lexical: list[tuple[int, float]],
        mode: str,
        top_k: int,
        lexical_weight: float = 1.0,
        by_sentence: Sequence[tuple[int, float]] = (),
    ) -> list[Hit]:
        d_rank = {row: (rank, score) for rank, (row, score) in enumerate(dense, start=1)}
        l_rank = {row: (rank, score) for rank, (row, score) in enumerate(lexical, start=1)}
        s_rank = {row: (rank, score) for rank, (row, score) in enumerate(by_sentence, start=1)}
        if mode == "hybrid":
            lists = [[str(r) for r, _ in ranked] for ranked in (dense, lexical, by_sentence)]
            fused = reciprocal_rank_fusion(lists, self.rrf_k, [1.0, lexical_weight, 1.0])
            ranked = [(int(key), score) for key, score in fused]
        else:
            ranked = dense if mode == "dense" else lexical
        hits = []
        for rank, (row, score) in enumerate(ranked[:top_k], start=1):
            hits.append(
                Hit(
                    chunk=self.index.chunks[row],
                    score=score,
                    rank=rank,
                    dense_score=d_rank[row][1] if row in d_rank else None,
                    lexical_score=l_rank[row][1] if row in l_rank else None,
                    dense_rank=d_rank[row][0] if row in d_rank else None,
                    lexical_rank=l_rank[row][0] if row in l_rank else None,
                    sentence_score=s_rank[row][1] if row in s_rank else None,
                    sentence_rank=s_rank[row][0] if row in s_rank else None,
                )
            )
        return hits


def load_retriever(
    settings: Settings, *, check_corpus: bool = True, embedder: Embedder | None = None
) -> Retriever:
    """Load the index of the settings (checked against the corpus) and its embedder."""
    docs = load_corpus(settings.corpus_dir) if check_corpus else None
    model_id = embedder.model_id if embedder is not None else embedder_model_id(settings)
    index = load_index(settings.index_dir, model_id, docs)
    return Retriever(index, embedder or make_embedder(settings), settings.rrf_k)
