"""The Generator contract, and a deadline that every backend's stream runs under."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol

from rag.errors import GeneratorError, RagError

Messages = list[dict[str, str]]


class Generator(Protocol):
    """Streams the answer to chat messages, piece by piece, greedily (same input, same output).

    Optional class flags, read with getattr: `caches_prefix` (keeps the KV cache of a shared prompt
    prefix, so the app warms it up at start) and `quotes_sources` (answers are the passages' own
    Indonesian sentences, so the answer-language check does not apply).
    """

    name: str  # what produced the text, e.g. "llama-cpp:qwen2.5-coder-1.5b"

    def stream(self, messages: Messages, *, max_tokens: int, stop: list[str]) -> Iterator[str]: ...


_DONE = object()


def stream_with_deadline(
    produce: Callable[[threading.Event], Iterator[str]], timeout_s: float, name: str
) -> Iterator[str]:
    """Run `produce` in a thread and yield its pieces; GeneratorError if it fails or passes `timeout_s`.

    `produce` receives an Event that is set when the consumer stops early or the deadline passes: it should
    stop generating at its next piece.
    """
    if timeout_s <= 0:
        raise ValueError("timeout_s must be greater than 0.")
    pieces: queue.Queue[object] = queue.Queue()
    cancel = threading.Event()
    worker = threading.Thread(target=_pump, args=(produce, cancel, pieces), name=f"gen-{name}", daemon=True)
    deadline = time.monotonic() + timeout_s
    worker.start()
    try:
        while True:
            try:
                item = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise GeneratorError(
                    f"{name} did not finish within llm_timeout_s={timeout_s:g} s: raise RAG_LLM_TIMEOUT_S, "
                    "lower max_tokens, or pick a faster generator (RAG_GENERATOR=extractive)"
                ) from None
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise _as_generator_error(item, name) from item
            yield str(item)
    finally:
        cancel.set()


def _pump(
    produce: Callable[[threading.Event], Iterator[str]], cancel: threading.Event, out: queue.Queue[object]
) -> None:
    """Worker: copy the pieces of `produce` into the queue, then a end marker or the exception raised."""
    try:
        for piece in produce(cancel):
            if cancel.is_set():
                break
            out.put(piece)
        out.put(_DONE)
    except Exception as exc:
        out.put(exc)


def _as_generator_error(exc: BaseException, name: str) -> RagError:
    if isinstance(exc, RagError):
        return exc
    return GeneratorError(f"{name} failed: {type(exc).__name__}: {exc}")
