"""FAISS vector indexes: exact inner product, or an approximate type for large corpora."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexStateError, InputError

INDEX_TYPES = ("auto", "flat", "hnsw", "ivf")
# The policy, from `rag bench --scale 10k,100k,1M --index-types hnsw,ivf` on 2 cores (README "Speed and
# scale"): exact search costs ~0.16 ms per 1,000 passages (1.1 ms at 10k, 16 ms at 100k, 154 ms at 1M),
# so up to 50k passages it stays under ~8 ms and is exact. Above, IVF: with 4*sqrt(n) lists and 64 of
# them probed it found 99.6% of the true top 10 at 1M passages in 3.2 ms (p50), built in 83 s. HNSW
# (M=32) built 4x slower and, on the same vectors, reached only 0.78 recall@10 at efSearch=1024; it
# stays available by name (index_type = "hnsw").
FLAT_MAX_PASSAGES = 50_000
HNSW_M = 32  # graph degree
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 256
IVF_NPROBE = 64
IVF_TRAIN_PER_LIST = 64


def resolve_index_type(requested: str, n_passages: int) -> str:
    """The concrete FAISS index type for a corpus size ('auto' picks by the policy above)."""
    if requested not in INDEX_TYPES:
        raise InputError(f"unknown index type '{requested}': use one of {', '.join(INDEX_TYPES)}")
    if requested != "auto":
        return requested
    return "flat" if n_passages <= FLAT_MAX_PASSAGES else "ivf"


def build_faiss(vectors: np.ndarray, index_type: str) -> object:
    """A FAISS inner-product index holding `vectors` (row i keeps id i)."""
    import faiss

    n, dim = vectors.shape
    index: Any
    if index_type == "flat":
        index = faiss.IndexFlatIP(dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif index_type == "ivf":
        # ~4*sqrt(n) lists, the usual FAISS guideline, and never more than n/39 (training needs
        # about 39 points a list).
        nlist = max(1, min(int(4 * math.sqrt(n)), n // 39))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        # k-means on at most IVF_TRAIN_PER_LIST points a list: as good a partition, several times faster
        # at 1M passages than training on all of them.
        limit = IVF_TRAIN_PER_LIST * nlist
        sample = vectors if n <= limit else vectors[np.random.default_rng(0).choice(n, limit, replace=False)]
        index.train(sample)
    else:
        raise InputError(f"unknown index type '{index_type}'")
    if n:
        index.add(vectors)
    return index


def tune_for_search(index: object, knob: int | None = None) -> None:
    """Set the search-time knob that FAISS does not store with an approximate index.

    `knob` is efSearch for HNSW or nprobe for IVF (the defaults above when None); exact indexes have none.
    """
    import faiss

    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = knob or HNSW_EF_SEARCH
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = knob or IVF_NPROBE


def write_faiss(index: Any, path: Path) -> None:
    """Save a FAISS index to a file."""
    import faiss

    faiss.write_index(index, str(path))


def read_faiss(path: Path) -> object:
    """Load a FAISS index; a damaged file raises IndexStateError."""
    import faiss

    try:
        index = faiss.read_index(str(path))
    except RuntimeError:
        raise IndexStateError(f"FAISS file {path.name} is damaged: run `rag index --rebuild`") from None
    tune_for_search(index)
    return index


def search_faiss(index: object, query: np.ndarray, top_k: int) -> list[tuple[int, float]]:
    """(row, inner product) of the top_k nearest rows, best first."""
    k = min(top_k, index.ntotal)  # type: ignore[attr-defined]
    if k <= 0:
        return []
    scores, rows = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)  # type: ignore[attr-defined]
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
