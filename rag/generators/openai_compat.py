"""Any OpenAI-compatible server (vLLM, llama.cpp server, Ollama) through /v1/chat/completions, streamed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rag.errors import GeneratorError
from rag.generators.base import Messages, stream_with_deadline


class OpenAICompatGenerator:
    """Streams chat completions over server-sent events; needs only httpx."""

    def __init__(self, base_url: str, model: str, *, api_key: str = "", timeout_s: float = 60.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"openai_base_url must start with http:// or https://, got {base_url!r}.")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.name = f"openai:{model}@{_without_credentials(base_url)}"  # logged and shown in the page

    def stream(
        self, messages: Messages, *, max_tokens: int = 100, stop: list[str] | None = None
    ) -> Iterator[str]:
        """Stream the reply at temperature 0."""
        payload = {
            "model": self.model, "messages": messages, "stream": True, "temperature": 0.0,
            "max_tokens": max_tokens, "stop": stop or [],
        }  # fmt: skip
        return stream_with_deadline(lambda cancel: self._produce(payload, cancel), self.timeout_s, self.name)

    def _produce(self, payload: dict[str, Any], cancel: threading.Event) -> Iterator[str]:
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        timeout = httpx.Timeout(self.timeout_s, connect=min(5.0, self.timeout_s))
        try:
            with httpx.stream("POST", self.url, json=payload, headers=headers, timeout=timeout) as response:
                if response.status_code != 200:
                    body = response.read().decode("utf-8", "replace")[:300]
                    raise GeneratorError(f"{self.url} answered HTTP {response.status_code}: {body}")
                for line in response.iter_lines():
                    if cancel.is_set():
                        return
                    piece = _sse_piece(line)
                    if piece is None:
                        return
                    if piece:
                        yield piece
        except httpx.HTTPError as exc:
            raise GeneratorError(
                f"cannot reach {self.url} ({type(exc).__name__}: {exc}): start the server "
                "(e.g. python -m llama_cpp.server --model MODEL.gguf) or set RAG_OPENAI_BASE_URL"
            ) from None


def _without_credentials(url: str) -> str:
    """The URL without a user:password@ part."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=host))


def _sse_piece(line: str) -> str | None:
    """The text of one server-sent event line: "" for none, None at the end of the stream."""
    if not line.startswith("data:"):
        return ""  # comments, keep-alives, blank separators
    data = line[len("data:") :].strip()
    if data == "[DONE]":
        return None
    try:
        event = json.loads(data)
    except json.JSONDecodeError:
        raise GeneratorError(f"the server sent a line that is not JSON: {data[:120]!r}") from None
    if "error" in event:
        raise GeneratorError(f"the server reported an error: {event['error']}")
    choices = event.get("choices") or [{}]
    return str((choices[0].get("delta") or {}).get("content") or "")
