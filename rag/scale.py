"""How retrieval cost grows with corpus size: FAISS index types and BM25 from 10k to 1M passages.

Real vectors only exist for the bundled corpus (62 chunks, plus its ~900 sentences when embedded one
by one), so larger corpora are synthetic in a way that keeps the geometry of real vectors: each
synthetic vector is a real sentence vector plus Gaussian noise whose per-dimension spread matches the
spread of the real vectors (scaled by NOISE), then L2-normalised. Queries are real question vectors.
Synthetic BM25 passages are 60-160 words drawn from the corpus's own sentences.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from rag import dense
from rag.lexical import LexicalIndex

NOISE = 0.6  # relative to the real per-dimension spread: neighbours stay close but not duplicates
SEED = 7


def synthetic_vectors(real: np.ndarray, n: int, seed: int = SEED) -> np.ndarray:
    """n unit vectors spread like `real` (see module docstring)."""
    rng = np.random.default_rng(seed)
    spread = real.std(axis=0, keepdims=True) * NOISE
    out = np.empty((n, real.shape[1]), np.float32)
    step = 100_000
    for start in range(0, n, step):
        rows = rng.integers(0, len(real), min(step, n - start))
        block = real[rows] + rng.standard_normal((len(rows), real.shape[1]), np.float32) * spread
        out[start : start + len(rows)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def synthetic_passages(sentences: list[str], n: int, seed: int = SEED) -> list[str]:
    """n passages of corpus sentences, 60-160 words each."""
    rng = np.random.default_rng(seed)
    lengths = np.array([len(s.split()) for s in sentences])
    passages = []
    for _ in range(n):
        target, words, parts = int(rng.integers(60, 160)), 0, []
        while words < target:
            i = int(rng.integers(0, len(sentences)))
            parts.append(sentences[i])
            words += int(lengths[i])
        passages.append(" ".join(parts))
    return passages


def _faiss_mb(index: Any) -> float:
    """Size of an index in memory, read as the size of its serialised form."""
    import faiss

    return float(faiss.serialize_index(index).nbytes) / 1e6


def _latencies(search: Any, queries: Any) -> tuple[list[float], list[Any]]:
    times, results = [], []
    for query in queries:
        started = time.perf_counter()
        results.append(search(query))
        times.append((time.perf_counter() - started) * 1000)
    return times, results


def _stats(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 3),
        "p95_ms": round(float(np.percentile(times, 95)), 3),
    }


# Search-time knobs tried for each approximate index (FAISS does not store them with the index): the
# table shows how recall and latency trade off, and dense.py takes its defaults from it.
KNOBS = {"hnsw": ("efSearch", (96, 256, 512, 1024)), "ivf": ("nprobe", (16, 32, 64, 128, 256))}
DEFAULT_KNOB = {"hnsw": dense.HNSW_EF_SEARCH, "ivf": dense.IVF_NPROBE}


def measure_faiss(vectors: np.ndarray, queries: np.ndarray, kinds: list[str], k: int = 10) -> dict[str, Any]:
    """Build time, memory, latency and recall@k (against exact search) of each index type.

    Rows are keyed by index type (at dense.py's default knob) and "type knob=value" for the other
    knob values of KNOBS.
    """
    results: dict[str, Any] = {}
    exact: list[set[int]] = []
    for kind in ["flat", *[x for x in kinds if x != "flat"]]:
        started = time.perf_counter()
        index = dense.build_faiss(vectors, kind)
        build_s = time.perf_counter() - started
        memory = _faiss_mb(index)
        name, values = KNOBS.get(kind, ("", ()))
        default = DEFAULT_KNOB.get(kind)
        for value in dict.fromkeys([default, *values]):
            dense.tune_for_search(index, value)
            times, found = _latencies(lambda q, index=index: dense.search_faiss(index, q, k), queries)
            rows = [{r for r, _ in hits} for hits in found]
            if kind == "flat":
                exact = rows
            recall = float(np.mean([len(a & b) / k for a, b in zip(rows, exact, strict=True)]))
            key = kind if value == default else f"{kind} {name}={value}"
            results[key] = {"build_s": round(build_s, 2), "memory_mb": round(memory, 1), **_stats(times)}
            results[key]["recall@10"] = round(recall, 4)
        del index
    return results


def measure_bm25(passages: list[str], questions: list[str]) -> dict[str, Any]:
    """BM25 index time, memory and query latency."""
    started = time.perf_counter()
    index = LexicalIndex.build(passages)
    build_s = time.perf_counter() - started
    memory = index.nbytes() / 1e6
    times, _ = _latencies(lambda q: index.search(q, 10), questions)
    return {"build_s": round(build_s, 2), "memory_mb": round(memory, 1), **_stats(times)}


def measure_scale(
    real: np.ndarray,
    queries: np.ndarray,
    sentences: list[str],
    questions: list[str],
    sizes: list[int],
    kinds: list[str],
    bm25_max: int = 1_000_000,
) -> dict[str, Any]:
    """The scale table: for each size, FAISS per index type and BM25."""
    table: dict[str, Any] = {}
    for n in sizes:
        vectors = synthetic_vectors(real, n)
        row: dict[str, Any] = {"faiss": measure_faiss(vectors, queries, kinds)}
        del vectors
        if n <= bm25_max:
            row["bm25"] = measure_bm25(synthetic_passages(sentences, n), questions)
        table[str(n)] = row
    return table
