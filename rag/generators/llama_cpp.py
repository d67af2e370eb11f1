"""llama.cpp in-process (the default): a quantised GGUF on the CPU, streamed greedily."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.errors import GeneratorError
from rag.generators.base import Messages, stream_with_deadline


class LlamaCppGenerator:
    """One loaded GGUF model; calls are serialised, so one object can serve a whole app."""

    caches_prefix = True  # keeps the KV cache of the longest common prompt prefix between calls

    def __init__(
        self, model_path: Path, *, threads: int = 2, n_ctx: int = 4096, timeout_s: float = 60.0
    ) -> None:
        if threads < 1 or n_ctx < 512:
            raise ValueError("threads must be at least 1 and n_ctx at least 512.")
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ImportError(
                "llama-cpp-python is missing: pip install --no-cache-dir llama-cpp-python==0.3.36 "
                "(it compiles for this CPU in ~5 minutes), or set RAG_GENERATOR=extractive"
            ) from None
        try:
            # verbose=False keeps llama.cpp's load log off stderr. The Llama object keeps the tokens of
            # the last prompt and its KV cache: the next prompt re-evaluates only what follows their common
            # prefix, so the fixed system prompt is computed once.
            self._llm: Any = Llama(
                model_path=str(model_path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise GeneratorError(
                f"llama.cpp cannot load {model_path}: {exc}; run `rag models fetch` again"
            ) from None
        self.name = f"llama-cpp:{model_path.name}"
        self.timeout_s = timeout_s
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """How many tokens the model's tokenizer makes of a text."""
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(
        self, messages: Messages, *, max_tokens: int = 100, stop: list[str] | None = None
    ) -> Iterator[str]:
        """Stream the reply to `messages` at temperature 0."""

        def produce(cancel: threading.Event) -> Iterator[str]:
            with self._lock:
                chunks = self._llm.create_chat_completion(
                    messages=messages, stream=True, temperature=0.0, top_k=1, repeat_penalty=1.0,
                    max_tokens=max_tokens, stop=stop or [],
                )  # fmt: skip
                for chunk in chunks:
                    if cancel.is_set():
                        break
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece

        return stream_with_deadline(produce, self.timeout_s, self.name)
