"""Answer generators behind one Protocol; `make_generator` picks one from the settings."""

from __future__ import annotations

import logging
from pathlib import Path

from rag.errors import InputError, ModelMissingError
from rag.generators.base import Generator
from rag.generators.extractive import ExtractiveGenerator
from rag.settings import Settings

__all__ = ["BACKENDS", "Generator", "make_generator"]

BACKENDS = ("llama-cpp", "transformers", "openai", "extractive")
log = logging.getLogger(__name__)
# Under the model cache: llama.cpp's KV cache of the prompt's fixed part, saved by the first warm-up.
PROMPT_STATE_DIR = "prompt-state"

# Loaded models, reused across calls: loading a GGUF takes seconds and ~1.7 GB.
_CACHE: dict[tuple[object, ...], Generator] = {}


def make_generator(settings: Settings, *, fallback: bool = False) -> Generator:
    """The generator named by settings.generator, loaded once per process.

    With fallback=True a missing model or runtime gives the extractive generator (with a warning)
    instead of an error.
    """
    if settings.generator not in BACKENDS:
        raise InputError(f"unknown generator '{settings.generator}': use one of {', '.join(BACKENDS)}")
    key = (
        settings.generator,
        settings.llm_model,
        str(settings.model_dir),
        settings.llm_threads,
        settings.llm_ctx,
        settings.llm_timeout_s,
        settings.llm_draft_tokens,
        settings.openai_base_url,
        settings.openai_model,
    )
    if key not in _CACHE:
        try:
            _CACHE[key] = _build(settings)
        except (ModelMissingError, ImportError) as exc:
            if not fallback:
                raise
            log.warning("%s; answering with the extractive generator instead", exc)
            return ExtractiveGenerator()
    return _CACHE[key]


def _model_file(settings: Settings) -> Path:
    """settings.llm_model as a path: a registry name ('qwen2.5-coder-1.5b') or a file or folder."""
    from rag.models import SPECS, model_path

    if settings.llm_model in SPECS:
        return model_path(settings, settings.llm_model)
    path = Path(settings.llm_model).expanduser()
    if not path.exists():
        raise ModelMissingError(settings.llm_model, path)
    return path


def _build(settings: Settings) -> Generator:
    if settings.generator == "extractive":
        return ExtractiveGenerator()
    if settings.generator == "openai":
        from rag.generators.openai_compat import OpenAICompatGenerator

        return OpenAICompatGenerator(
            settings.openai_base_url,
            settings.openai_model,
            api_key=settings.openai_api_key,
            timeout_s=settings.llm_timeout_s,
        )
    if settings.generator == "transformers":
        from rag.generators.transformers_backend import TransformersGenerator
        from rag.models import SPECS

        name: str | Path = (
            _model_file(settings)
            if settings.llm_model in SPECS or Path(settings.llm_model).exists()
            else settings.llm_model
        )  # a hub name
        return TransformersGenerator(name, threads=settings.llm_threads, timeout_s=settings.llm_timeout_s)
    from rag.generators.llama_cpp import LlamaCppGenerator

    return LlamaCppGenerator(
        _model_file(settings),
        threads=settings.llm_threads,
        n_ctx=settings.llm_ctx,
        timeout_s=settings.llm_timeout_s,
        state_dir=settings.model_dir / PROMPT_STATE_DIR,
        draft_tokens=settings.llm_draft_tokens,
    )
