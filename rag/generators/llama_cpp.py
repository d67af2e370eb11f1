"""llama.cpp in-process (the default): a quantised GGUF on the CPU, streamed greedily."""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.errors import GeneratorError
from rag.generators.base import Messages, stream_with_deadline
from rag.generators.prompt_lookup import StopText, accepted, draft

log = logging.getLogger(__name__)


class LlamaCppGenerator:
    """One loaded GGUF model; calls are serialised, so one object can serve a whole app."""

    caches_prefix = True  # keeps the KV cache of the longest common prompt prefix between calls

    def __init__(
        self,
        model_path: Path,
        *,
        threads: int = 2,
        n_ctx: int = 4096,
        timeout_s: float = 60.0,
        state_dir: Path | None = None,
        draft_tokens: int = 5,
    ) -> None:
        if threads < 1 or n_ctx < 512 or draft_tokens < 0:
            raise ValueError("threads must be at least 1, n_ctx at least 512 and draft_tokens at least 0.")
        try:
            from llama_cpp import Llama, llama_model_get_vocab
        except ImportError:
            raise ImportError(
                "llama-cpp-python is missing: pip install --no-cache-dir llama-cpp-python==0.3.36 "
                "(it compiles for this CPU in ~5 minutes), or set RAG_GENERATOR=extractive"
            ) from None
        if _has_amx_kernels():
            log.warning(
                "this llama-cpp-python build has AMX kernels, which crash on some Intel Xeon CPUs "
                "(ggml-org/llama.cpp#20824); if the process dies, rebuild it without them: make setup"
            )
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
        self._model_path = model_path
        self._threads = threads
        self._state_dir = state_dir
        self._lock = threading.Lock()
        self._draft_tokens = draft_tokens
        self._formatter = _chat_formatter(self._llm)
        self._vocab = llama_model_get_vocab(self._llm.model)
        self._warmed: list[int] | None = None  # the tokens warm() evaluated

    def count_tokens(self, text: str) -> int:
        """How many tokens the model's tokenizer makes of a text."""
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(
        self, messages: Messages, *, max_tokens: int = 100, stop: list[str] | None = None
    ) -> Iterator[str]:
        """Stream the reply to `messages` at temperature 0."""

        def produce(cancel: threading.Event) -> Iterator[str]:
            with self._lock:
                if self._formatter is not None:
                    yield from self._speculate(messages, max_tokens, stop or [], cancel)
                    return
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

    def _speculate(
        self, messages: Messages, max_tokens: int, stop: list[str], cancel: threading.Event
    ) -> Iterator[str]:
        """Stream greedy decoding that checks prompt-lookup drafts in one batch (see prompt_lookup).

        The reply is the one token-by-token greedy decoding gives, up to the arithmetic of batched
        evaluation; each step costs little more than one token and confirms one to draft_tokens + 1
        (with draft_tokens 0, one token a step).
        """
        prompt = self._prompt_tokens(messages)
        room = min(max_tokens, self._llm.n_ctx() - len(prompt) - self._draft_tokens - 1)
        if room < 1:
            raise GeneratorError(f"{self.name}: the prompt ({len(prompt)} tokens) fills the context window")
        text, reply, shown = StopText(stop), list[int](), b""
        for token in self._greedy_tokens(prompt, reply, cancel):
            reply.append(token)
            # Detokenising the whole reply keeps the spaces some tokenizers attach to a token's
            # neighbour; what was shown before is a prefix of it.
            data = self._llm.detokenize(reply)
            piece, shown = text.feed(data[len(shown) :]), data
            if piece:
                yield piece
            if text.stopped or len(reply) >= room:
                break
        if rest := text.finish():
            yield rest

    def _greedy_tokens(self, prompt: list[int], reply: list[int], cancel: threading.Event) -> Iterator[int]:
        """The greedy choices after `prompt` up to the end of generation; `reply` holds those taken."""
        chosen = [self._prefill(prompt)]
        while not cancel.is_set():
            for token in chosen:
                if self._ends(token):
                    return
                yield token
            chosen = self._verify(reply[-1], draft(prompt + reply, self._draft_tokens))

    def _verify(self, last: int, guess: list[int]) -> list[int]:
        """Evaluate the last token and a draft in one batch: the drafts confirmed, then the next choice."""
        llm = self._llm
        batch, past = [last, *guess], llm.n_tokens
        llm._batch.set_batch(batch=batch, n_past=past, logits_all=True)
        llm._ctx.decode(llm._batch)
        predicted = self._greedy_choices(len(batch))
        kept = accepted(guess, predicted, self._ends)
        # The last token and the confirmed drafts are now evaluated; the rejected drafts are dropped.
        llm.input_ids[past : past + 1 + kept] = batch[: 1 + kept]
        llm.n_tokens = past + 1 + kept
        llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
        return [*guess[:kept], predicted[kept]]

    def _greedy_choices(self, rows: int) -> list[int]:
        """The most likely next token after each of the `rows` positions the last decode returned."""
        import numpy as np

        logits = np.ctypeslib.as_array(self._llm._ctx.get_logits(), shape=(rows, self._llm.n_vocab()))
        choices: list[int] = logits.argmax(axis=1).tolist()
        return choices

    def _ends(self, token: int) -> bool:
        """True for a token that ends generation (end of turn or of text)."""
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self._vocab, token))

    def _prompt_tokens(self, messages: Messages) -> list[int]:
        """The tokens create_chat_completion would evaluate for `messages` (the GGUF's chat template)."""
        assert self._formatter is not None
        result = self._formatter(messages=messages)
        tokens: list[int] = self._llm.tokenize(
            result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
        )
        return tokens

    def _prefill(self, tokens: list[int]) -> int:
        """Evaluate `tokens` after the part already evaluated; the greedy next token.

        Once warmed, only the warm prompt's fixed part is reused, never more of the previous prompt
        (such as a passage two questions share): each question is then computed from the same state in
        the same batches, so its answer does not depend on the question asked before it.
        """
        llm = self._llm
        reuse = _common_prefix(llm.input_ids[: llm.n_tokens], tokens)
        if self._warmed is not None:
            reuse = min(reuse, _common_prefix(self._warmed, tokens))
        llm.n_tokens = min(reuse, len(tokens) - 1)  # the last token is evaluated again for its logits
        llm.eval(tokens[llm.n_tokens :])
        return self._greedy_choices(1)[0]

    def warm(self, messages: Messages) -> str:
        """Evaluate the prompt `messages` once, or load its KV cache saved by an earlier process.

        Later prompts reuse the tokens they share with it, so warming on a prompt whose question is a
        placeholder leaves the fixed part (rules and examples) evaluated for every question. Computing
        it takes 15-30 s on 2 cores; loading the saved file (~30 MB in state_dir) takes ~0.01 s and gives
        the same KV values.
        The file's name holds a hash of the model file, llama.cpp's version, n_ctx, the thread count and
        the prompt, so a change to any of them computes and saves a new one. Returns what was done:
        "loaded", "computed" or "computed and saved".
        """
        with self._lock:
            done = self._warm(messages)
            self._warmed = self._llm.input_ids[: self._llm.n_tokens].tolist()
            return done

    def _warm(self, messages: Messages) -> str:
        """warm() under the lock."""
        path = self._state_path(messages)
        if path is not None and path.is_file():
            if self._load_state(path):
                return "loaded"
            log.warning("cannot read the saved prompt state %s; computing it again", path)
            path.unlink(missing_ok=True)
            self._llm.reset()
        if self._formatter is not None:
            self._prefill(self._prompt_tokens(messages))
        else:
            for _ in self._llm.create_chat_completion(
                messages=messages, stream=True, temperature=0.0, top_k=1, max_tokens=1
            ):
                pass
        if path is None or not self._save_state(path):
            return "computed"
        return "computed and saved"

    def _state_path(self, messages: Messages) -> Path | None:
        if self._state_dir is None:
            return None
        import llama_cpp

        try:
            stat = self._model_path.stat()
        except OSError:
            return None
        key = json.dumps(
            [self._model_path.name, stat.st_size, stat.st_mtime_ns, llama_cpp.__version__,
             self._llm.n_ctx(), self._threads, messages],
            ensure_ascii=False,
        )  # fmt: skip
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        return self._state_dir / f"{self._model_path.stem}-{digest}.kv"

    def _load_state(self, path: Path) -> bool:
        import llama_cpp

        capacity = self._llm.n_ctx()
        tokens = (llama_cpp.llama_token * capacity)()
        count = ctypes.c_size_t(0)
        read = llama_cpp.llama_state_seq_load_file(
            self._llm.ctx, os.fsencode(path), 0, tokens, capacity, ctypes.byref(count)
        )
        n = int(count.value)
        if not read or not 0 < n <= capacity:
            return False
        # What Llama.load_state sets: the evaluated tokens, so the next prompt's common prefix is reused.
        self._llm.input_ids[:n] = tokens[:n]
        self._llm.n_tokens = n
        self._llm._requires_eval = True  # no logits were restored: the next call evaluates at least one token
        return True

    def _save_state(self, path: Path) -> bool:
        """Write the KV cache of the evaluated tokens next to `path`, then move it into place."""
        import llama_cpp

        n = int(self._llm.n_tokens)
        tokens = (llama_cpp.llama_token * n)(*self._llm.input_ids[:n].tolist())
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not llama_cpp.llama_state_seq_save_file(self._llm.ctx, os.fsencode(tmp), 0, tokens, n):
                raise OSError(f"llama.cpp could not write {tmp}")
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot save the prompt state (%s); the next start computes it again", exc)
            tmp.unlink(missing_ok=True)
            return False
        for old in path.parent.glob(f"{self._model_path.stem}-*.kv"):
            if old != path:  # an older prompt or model build: never read again
                old.unlink(missing_ok=True)
        return True


def _common_prefix(first: Any, second: Any) -> int:
    """How many leading tokens two token sequences share."""
    import numpy as np

    n = min(len(first), len(second))
    differ = np.flatnonzero(np.asarray(first[:n]) != np.asarray(second[:n]))
    return int(differ[0]) if differ.size else n


def _chat_formatter(llm: Any) -> Any:
    """The formatter Llama builds from the GGUF's chat template, or None when the file has none."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llm.metadata.get("tokenizer.chat_template")
    if not template or llm.chat_format != "chat_template.default":
        return None  # create_chat_completion formats with something else
    return Jinja2ChatFormatter(
        template=template,
        eos_token=llm._model.token_get_text(llm.token_eos()),
        bos_token=llm._model.token_get_text(llm.token_bos()),
    )


def _has_amx_kernels() -> bool:
    """True when llama.cpp was compiled with its AMX matrix kernels (see the Makefile's NO_AMX)."""
    import llama_cpp

    return b"AMX_INT8 = 1" in llama_cpp.llama_print_system_info()
