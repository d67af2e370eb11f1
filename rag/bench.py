"""`rag bench`: index build, retrieval, answer latency, memory, cold start and scale, in one run."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.answer_eval import percentile
from rag.chunking import split_sentences
from rag.corpus import load_corpus
from rag.embedding import make_embedder
from rag.evaluate import load_dataset
from rag.indexing import build_index
from rag.retrieval import MODES, load_retriever
from rag.settings import ROOT, Settings


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu
            )
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
    }


def _p(values: list[float], digits: int = 3) -> dict[str, float | None]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, digits)

    return {"p50": r(percentile(values, 50)), "p95": r(percentile(values, 95)), "n": len(values)}


def bench_index(settings: Settings) -> dict[str, Any]:
    """Full index build time and embedding throughput (chunks and sentences a second), in a temp folder."""
    docs = load_corpus(settings.corpus_dir)
    embedder = make_embedder(settings)
    with tempfile.TemporaryDirectory() as tmp:
        report = build_index(docs, dataclasses.replace(settings, index_dir=Path(tmp)), embedder, rebuild=True)
    n_sentences = report.embedded_sentences  # a rebuild embeds every sentence
    return {
        "embedder": f"{embedder.model_id} ({embedder.runtime})",
        "chunks": report.total_chunks,
        "sentences": n_sentences,
        "build_s": round(report.seconds, 2),
        "texts_per_s": round((report.total_chunks + n_sentences) / report.seconds, 1),
    }


def bench_retrieval(settings: Settings, questions: list[str]) -> dict[str, Any]:
    """Retrieval latency per mode (embedding the question included), warm."""
    retriever = load_retriever(settings)
    retriever.search(questions[0])  # warm-up
    out = {}
    for mode in MODES:
        times = []
        for question in questions:
            started = time.perf_counter()
            retriever.search(question, top_k=settings.top_k, mode=mode)
            times.append((time.perf_counter() - started) * 1000)
        out[mode] = _p(times, 2)
    return out


def serve_child(questions: list[str], generator: str) -> None:
    """Child process: load the pipeline, answer questions, print one JSON line each, then peak memory."""
    from rag.pipeline import Pipeline
    from rag.settings import load_settings

    pipeline = Pipeline(load_settings(generator=generator or None))
    for question in questions:
        answer = pipeline.ask(question)
        print(json.dumps({"timings": answer.timings, "abstained": answer.abstained}), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": round(peak, 1), "models": answer.models}), flush=True)


def bench_answers(settings: Settings, questions: list[str]) -> dict[str, Any]:
    """Cold start, answer latency and serving memory, measured in a fresh process."""
    env = {**os.environ, "RAG_EMBEDDER": settings.embedder, "RAG_INDEX_DIR": str(settings.index_dir)}
    code = (
        "import sys, json; from rag.bench import serve_child; serve_child(json.load(sys.stdin), sys.argv[1])"
    )
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, settings.generator],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(questions))
    proc.stdin.close()
    rows, cold_start = [], None
    for line in proc.stdout:
        rows.append(json.loads(line))
        cold_start = cold_start or time.perf_counter() - started
    if proc.wait() != 0 or not rows:
        raise RuntimeError("the answering process failed: run `rag ask` to see why")
    tail = rows.pop()
    timings = [r["timings"] for r in rows]
    generated = [t for t in timings if "generation_s" in t]
    return {
        "generator": tail.get("models", {}).get("generator", settings.generator),
        "questions": len(rows),
        "generated": len(generated),
        "cold_start_s": round(cold_start or 0.0, 2),
        "first_token_s": _p([t["first_token_s"] for t in generated]),
        "answer_s": _p([t["answer_s"] for t in generated]),
        "answer_s_all": _p([t["answer_s"] for t in timings]),
        "retrieval_ms": _p([t["retrieval_ms"] for t in timings], 2),
        "profile": profile(generated),
        "peak_rss_mb": tail["peak_rss_mb"],
    }


def profile(timings: list[dict[str, float]]) -> dict[str, float | None]:
    """Median seconds of each stage of a generated answer: where the time of an answer goes."""
    stages = {
        "retrieval": [t["retrieval_ms"] / 1000 for t in timings],
        "prompt": [t.get("prompt_ms", 0.0) / 1000 for t in timings],
        # first token minus what came before it: the prompt's prefill (plus the first token's decode)
        "prefill": [
            t["first_token_s"] - (t["retrieval_ms"] + t.get("prompt_ms", 0.0)) / 1000 for t in timings
        ],
        "decode": [t["answer_s"] - t["first_token_s"] for t in timings],
        "checks": [t.get("total_s", t["answer_s"]) - t["answer_s"] for t in timings],
    }
    medians = {name: percentile(values, 50) for name, values in stages.items()}
    return {name: None if value is None else round(value, 3) for name, value in medians.items()}


def real_vectors(settings: Settings, questions: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Sentence vectors of the corpus, question vectors, and the sentences (for synthetic BM25 text)."""
    docs = load_corpus(settings.corpus_dir)
    sentences = [d.text[s.start : s.end] for d in docs for s in split_sentences(d.text) if s.words >= 5]
    embedder = make_embedder(settings)
    return embedder.embed_passages(sentences), embedder.embed_queries(questions), sentences


def run_bench(
    settings: Settings,
    out_dir: Path,
    *,
    sizes: list[int],
    kinds: list[str],
    answers: int,
    dataset: Path = ROOT / "evals" / "dev.jsonl",
) -> dict[str, Any]:
    """Run every measurement and write results.json and results.md to out_dir."""
    from rag.bench_report import write_results
    from rag.scale import measure_scale

    questions = [item.question for item in load_dataset(dataset)]
    results: dict[str, Any] = {"machine": machine(), "settings": {"embedder": settings.embedder}}
    results["index"] = bench_index(settings)
    results["retrieval_ms"] = bench_retrieval(settings, questions)
    if answers:
        results["answers"] = bench_answers(settings, questions[:answers])
    if sizes:
        real, queries, sentences = real_vectors(settings, questions)
        results["scale"] = measure_scale(real, queries, sentences, questions, sizes, kinds)
    write_results(results, out_dir)
    return results
