"""Shared fixtures: a deterministic fake embedder, small corpora and settings that write only to tmp_path."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.offline import set_offline_env
from rag.settings import Settings

set_offline_env()
# Real-model tests share 2 cores with whatever else runs; a loaded machine must not turn a slow answer
# into a failure (the timeout itself is tested with a fake generator).
os.environ.setdefault("RAG_LLM_TIMEOUT_S", "300")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


class FakeEmbedder:
    """Bag-of-words hashed into 64 dimensions: fast, deterministic, similar texts get similar vectors."""

    model_id = "fake/bow-64"
    runtime = "fake"
    dim = 64

    def __init__(self) -> None:
        self.passages_embedded = 0

    def _vec(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, np.float32)
        for word in re.findall(r"\w+", text.lower()):
            vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.array([self._vec(t) for t in texts], np.float32).reshape(-1, self.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages_embedded += len(texts)
        return np.array([self._vec(t) for t in texts], np.float32).reshape(-1, self.dim)


class NoModel:
    """The generator of a question answered without the model: calling it fails the test."""

    name = "no-model"

    def stream(self, messages: object, *, max_tokens: int, stop: list[str]) -> object:
        raise AssertionError("the model must not be called")


class FixedRetriever:
    """Retrieves `hits` for any question; its index holds `chunks`, which an answer may search whole."""

    def __init__(self, hits: list[Any], chunks: list[Any]) -> None:
        self.hits = hits
        self.index = type("Index", (), {"chunks": chunks, "documents": {}})()

    def search(self, query: str, top_k: int = 5, mode: str = "hybrid") -> list[Any]:
        return self.hits


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """Three short articles copied from tests/data/corpus."""
    folder = tmp_path / "corpus"
    shutil.copytree(DATA / "corpus", folder)
    return folder


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """A copy of the bundled five articles."""
    folder = tmp_path / "seed"
    shutil.copytree(ROOT / "corpus", folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path, small_corpus: Path) -> Settings:
    return Settings(corpus_dir=small_corpus, index_dir=tmp_path / "index", model_dir=tmp_path / "models")
