"""BM25 over chunks with an Indonesian analyzer: lower-case, stop words out, Snowball stemming."""

from __future__ import annotations

import logging
import re
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

TOKEN_RE = re.compile(r"[^\W_]+(?:[-/.][^\W_]+)*")
# BM25 constants: the usual k1/b from Robertson & Zaragoza, suited to news-length passages.
K1, B = 1.2, 0.75
ANALYZER_ID = "id-snowball-stop-v1"
# bm25s logs each build at debug level through its own handler.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@cache
def stopwords() -> frozenset[str]:
    """Indonesian function words, from rag/data/stopwords_id.txt."""
    text = resources.files("rag").joinpath("data/stopwords_id.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@cache
def _stemmer() -> object:
    try:
        import Stemmer
    except ImportError:
        raise ImportError("PyStemmer is missing: pip install PyStemmer") from None
    return Stemmer.Stemmer("indonesian")


def analyze(text: str) -> list[str]:
    """Index terms of a text: words and codes like "57-NQ/TW" kept whole, stop words dropped, stemmed."""
    stop = stopwords()
    words = [w for w in TOKEN_RE.findall(text.lower()) if w not in stop]
    return list(_stemmer().stemWords(words))  # type: ignore[attr-defined]


class LexicalIndex:
    """A BM25 index of passages (bm25s sparse matrices)."""

    def __init__(self, model: object) -> None:
        self._model = model

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        """Index passages in order: row i of the index is texts[i]."""
        import bm25s

        model = bm25s.BM25(k1=K1, b=B)
        model.index([analyze(t) or [""] for t in texts], show_progress=False)
        return cls(model)

    def search(self, query: str, top_k: int) -> list[tuple[int, float]]:
        """(row, score) pairs of the best passages with a positive score, best first."""
        terms = analyze(query)
        if not terms:
            return []
        scores = np.asarray(self._model.get_scores(terms))  # type: ignore[attr-defined]
        k = min(top_k, len(scores))
        rows = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        rows = rows[np.argsort(-scores[rows], kind="stable")]
        return [(int(r), float(scores[r])) for r in rows if scores[r] > 0]

    def coverage(self, query: str) -> float:
        """Share of the query's terms that occur in the indexed passages (0 when it has none).

        A question in another language than the articles' shares few terms with them, and its
        BM25 ranking is mostly noise; hybrid retrieval weighs the lexical list by this share.
        """
        terms = analyze(query)
        vocab = self._model.vocab_dict  # type: ignore[attr-defined]
        return sum(t in vocab for t in terms) / len(terms) if terms else 0.0

    def nbytes(self) -> int:
        """Memory held by the score matrix (its sparse arrays)."""
        scores = self._model.scores  # type: ignore[attr-defined]
        return sum(int(getattr(a, "nbytes", 0)) for a in scores.values())

    def save(self, folder: Path) -> None:
        """Write the index as a folder of plain files."""
        self._model.save(str(folder), show_progress=False)  # type: ignore[attr-defined]

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by save()."""
        import bm25s

        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))
