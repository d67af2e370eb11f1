"""Any causal LM through transformers: a hub name, a local folder, or a GGUF file; on a GPU when present."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.errors import GeneratorError
from rag.generators.base import Messages, stream_with_deadline


class TransformersGenerator:
    """Greedy streaming generation with transformers' TextIteratorStreamer."""

    def __init__(
        self, model: str | Path, *, device: str | None = None, threads: int = 2, timeout_s: float = 60.0
    ) -> None:
        from rag.offline import set_offline_env

        set_offline_env()
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise ImportError(
                "transformers backend needs torch and transformers: pip install transformers torch"
            ) from None
        torch.set_num_threads(threads)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        source, extra = _source(model)
        # float16 on a GPU halves memory at no quality cost for inference; CPUs lack fast float16 kernels.
        dtype = torch.float16 if self.device.startswith("cuda") else torch.float32
        try:
            self._tokenizer: Any = AutoTokenizer.from_pretrained(source, **extra)
            loaded: Any = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, **extra)
            self._model: Any = loaded.to(self.device)
        except (OSError, ValueError) as exc:
            raise GeneratorError(
                f"transformers cannot load {model!r}: {exc}. Give a local folder or .gguf file "
                "(a GGUF needs `pip install gguf`), or a hub name when the hub is reachable."
            ) from None
        self._model.eval()
        self.name = f"transformers:{Path(str(model)).name}@{self.device}"
        self.timeout_s = timeout_s
        self._lock = threading.Lock()

    def stream(
        self, messages: Messages, *, max_tokens: int = 100, stop: list[str] | None = None
    ) -> Iterator[str]:
        """Stream the reply, greedily, stopping at any of `stop`."""
        return stream_with_deadline(lambda cancel: self._produce(messages, max_tokens, stop or [], cancel),
                                    self.timeout_s, self.name)  # fmt: skip

    def _produce(
        self, messages: Messages, max_tokens: int, stop: list[str], cancel: threading.Event
    ) -> Iterator[str]:
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        class _Cancelled(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> bool:
                return cancel.is_set()

        prompt = self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = self._tokenizer(prompt, return_tensors="pt").to(self.device)
        streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
        kwargs = dict(
            **inputs,
            max_new_tokens=max_tokens,
            do_sample=False,
            streamer=streamer,
            tokenizer=self._tokenizer,
            stopping_criteria=StoppingCriteriaList([_Cancelled()]),
            stop_strings=stop or None,
        )
        with self._lock:
            errors: list[BaseException] = []
            worker = threading.Thread(target=_run, args=(self._model, kwargs, errors, streamer), daemon=True)
            worker.start()
            yield from _until_stop(streamer, stop)
            worker.join()
            if errors:
                raise GeneratorError(f"{self.name} failed: {errors[0]}")


def _run(model: Any, kwargs: dict[str, Any], errors: list[BaseException], streamer: Any) -> None:
    import torch

    try:
        with torch.inference_mode():
            model.generate(**kwargs)
    except Exception as exc:
        errors.append(exc)
        streamer.end()


def _until_stop(pieces: Iterator[str], stop: list[str]) -> Iterator[str]:
    """Pass pieces through, cutting at the first stop string; holds back a tail that may start one."""
    text, sent = "", 0
    hold = max((len(s) for s in stop), default=1) - 1
    for piece in pieces:
        text += piece
        cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=-1)
        if cut >= 0:
            if cut > sent:
                yield text[sent:cut]
            return
        if len(text) - hold > sent:
            yield text[sent : len(text) - hold]
            sent = len(text) - hold
    if len(text) > sent:
        yield text[sent:]


def _source(model: str | Path) -> tuple[str, dict[str, str]]:
    """from_pretrained arguments: a GGUF file loads from its folder with gguf_file=its name."""
    path = Path(str(model)).expanduser()
    if path.suffix == ".gguf":
        return str(path.parent), {"gguf_file": path.name}
    return str(path) if path.exists() else str(model), {}
