"""The app: its API through gradio_client, chat streaming and errors, article input, settings, cold start."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from app_support import app_env, default_generator_env, free_port, load_app_module, start_app, stop
from gradio_client import Client

from rag import ui_ask
from rag.corpus import load_corpus
from rag.errors import GeneratorError, InputError
from rag.feedback import FeedbackStore
from rag.generators.extractive import ExtractiveGenerator
from rag.indexing import build_index, load_index
from rag.pipeline import Pipeline
from rag.retrieval import Retriever
from rag.settings import Settings
from rag.types import Answer, Citation
from rag.ui_articles import article_upload

GOLD_QUESTION = "Berapa dana awal yang disediakan Australia untuk AVSTC?"
GOLD_DOC = "002_b3112e32e3631ae7"


app = load_app_module()


class FailingPipeline(Pipeline):
    """A pipeline whose model fails half-way, as a crashed or timed-out backend does."""

    def ask(self, question: str, history: Any = None, on_token: Any = None) -> Any:
        if on_token is not None:
            on_token("Sebagian jawaban")
        raise GeneratorError("llama-cpp did not finish within llm_timeout_s=60 s: raise RAG_LLM_TIMEOUT_S")


class StubPipeline(Pipeline):
    """Streams two pieces, then returns a checked answer citing the small corpus (no model, no gate)."""

    def ask(self, question: str, history: Any = None, on_token: Any = None) -> Answer:
        for piece in ("Australia menyediakan ", "dana awal AUD 2,1 juta [1]."):
            if on_token is not None:
                on_token(piece)
        hit = next(
            h
            for h in self.retriever.search("dana awal AUD 2,1 juta Australia", top_k=5)
            if "2,1 juta" in h.chunk.text
        )
        chunk = hit.chunk
        quote = next(s for s in chunk.text.split(". ") if "2,1 juta" in s)
        start = chunk.start + chunk.text.index(quote)
        citation = Citation(
            1, chunk.doc_id, chunk.chunk_id, chunk.source_url, quote, start, start + len(quote)
        )
        return Answer(
            question,
            "Australia menyediakan dana awal AUD 2,1 juta [1].",
            False,
            "id",
            citations=(citation,),
            hits=(hit,),
            query=question,
            prompt="<system>",
            checks=("pass [1]",),
            timings={"total_s": 0.1},
            models={"generator": "stub"},
        )


@pytest.fixture
def pipeline(settings: Settings, fake_embedder: Any, private_tmp: Path) -> Pipeline:
    """The small test corpus, indexed with the fake embedder, answered by the extractive generator."""
    build_index(load_corpus(settings.corpus_dir), settings, fake_embedder)
    retriever = Retriever(load_index(settings.index_dir, fake_embedder.model_id), fake_embedder)
    return Pipeline(settings, retriever=retriever, generator=ExtractiveGenerator())


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Gradio's upload cache and every temporary file of the app go under tmp_path."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder / "gradio"))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def served(pipeline: Pipeline, tmp_path: Path, private_tmp: Path) -> Iterator[str]:
    """The app launched in this process on a free port; yields its URL."""
    demo = app.build_app(pipeline, FeedbackStore(tmp_path / "feedback.sqlite3"))
    options = {**app.launch_options(pipeline.settings), "server_port": free_port(), "quiet": True}
    _, url, _ = demo.launch(prevent_thread_lock=True, **options)
    try:
        yield url
    finally:
        demo.close()


def test_api_has_one_documented_endpoint_ask(served: str) -> None:
    client = Client(served, verbose=False)
    endpoints = client.view_api(print_info=False, return_format="dict")
    assert list(endpoints["named_endpoints"]) == ["/ask"] and not endpoints["unnamed_endpoints"]
    result = client.predict(
        question="Berapa dana awal dari Australia untuk pusat teknologi?", api_name="/ask"
    )
    assert set(result) == {"answer", "abstained", "lang", "citations"} and result["lang"] == "id"
    for citation in result["citations"]:
        assert {"n", "doc_id", "chunk_id", "title", "source_url", "quote", "start", "end"} <= set(citation)


def test_api_takes_a_history_and_refuses_bad_input(served: str) -> None:
    client = Client(served, verbose=False)
    history = json.dumps([["Siapa meluncurkan pusat AI di Hanoi?", "Qualcomm [1]."]])
    result = client.predict(question="Kapan itu?", history=history, api_name="/ask")
    assert isinstance(result["answer"], str) and result["answer"]
    with pytest.raises(Exception, match="question is empty"):
        client.predict(question="   ", api_name="/ask")
    with pytest.raises(Exception, match="no words"):
        client.predict(question="???", api_name="/ask")
    with pytest.raises(Exception, match="history"):
        client.predict(question="Kapan?", history="{not json", api_name="/ask")
    assert client.predict(question="Siapa menteri itu?", api_name="/ask")["lang"] == "id"  # still up


def test_a_failing_model_becomes_an_api_error_and_the_app_stays_up(
    pipeline: Pipeline, tmp_path: Path, private_tmp: Path
) -> None:
    failing = FailingPipeline(pipeline.settings, retriever=pipeline.retriever)
    demo = app.build_app(failing, FeedbackStore(tmp_path / "fb.sqlite3"))
    _, url, _ = demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    try:
        client = Client(url, verbose=False)
        question = "Berapa dana awal dari Australia untuk Pusat Teknologi Strategis?"
        for _ in range(2):
            with pytest.raises(Exception, match="llm_timeout_s"):
                client.predict(question=question, api_name="/ask")
        assert "extractive" in httpx.get(url, timeout=5).text or httpx.get(url, timeout=5).status_code == 200
    finally:
        demo.close()


def chat(
    pipeline: Pipeline, question: str, turns: list[dict[str, Any]] | None = None
) -> list[tuple[Any, ...]]:
    """Every update the chat handler streams for one question."""
    service = app.ChatService(pipeline, FeedbackStore(pipeline.settings.index_dir.parent / "fb.sqlite3"))
    respond = ui_ask.responder(service)
    return list(respond(question, [], turns or [], "Bahasa Indonesia"))


def test_chat_streams_then_shows_the_checked_answer_with_linked_sources(pipeline: Pipeline) -> None:
    stub = StubPipeline(pipeline.settings, retriever=pipeline.retriever)
    updates = chat(stub, "Berapa dana awal dari Australia?")
    replies = [u[0][-1]["content"] for u in updates]
    assert "rag-wait" in replies[0]  # shown at once, before the model answers
    assert "Australia menyediakan" in replies[1] and "rag-caret" in replies[1]  # streamed pieces
    messages, textbox, _, turns, trace = updates[-1]
    final = messages[-1]["content"]
    assert [m["role"] for m in messages] == ["user", "assistant"] and textbox == ""
    assert 'class="rag-cite"' in final and "<mark>" in final and "2,1 juta" in final
    assert len(turns) == 1 and turns[0]["message_index"] == 1 and turns[0]["citations"][0]["n"] == 1
    assert 'class="rag-trace"' in trace


def test_chat_shows_an_abstention_in_its_own_box(pipeline: Pipeline) -> None:
    messages, _, _, turns, _ = chat(pipeline, "Siapa presiden Prancis tahun 1990?")[-1]
    assert turns[0]["abstained"] and 'class="rag-abstain"' in messages[-1]["content"]


def test_chat_shows_a_question_without_words_as_an_error_message(pipeline: Pipeline) -> None:
    messages, _, _, turns, _ = chat(pipeline, "???")[-1]
    assert 'class="rag-error"' in messages[-1]["content"] and "no words" in messages[-1]["content"]
    assert turns == []


def test_chat_follow_up_sends_the_history(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    original = pipeline.ask

    def spy(question: str, history: Any = None, on_token: Any = None) -> Any:
        seen.append(history)
        return original(question, history=history, on_token=on_token)

    monkeypatch.setattr(pipeline, "ask", spy)
    turns = chat(pipeline, "Siapa meluncurkan pusat AI di Hanoi?")[-1][3]
    chat(pipeline, "Kapan?", turns)
    assert seen == [[], [(turns[0]["question"], turns[0]["answer"])]]


def test_chat_shows_a_model_failure_as_an_error_message(pipeline: Pipeline) -> None:
    failing = FailingPipeline(pipeline.settings, retriever=pipeline.retriever)
    messages, _, _, turns, _ = chat(
        failing, "Berapa dana awal dari Australia untuk Pusat Teknologi Strategis?"
    )[-1]
    assert 'class="rag-error"' in messages[-1]["content"] and "llm_timeout_s" in messages[-1]["content"]
    assert turns == []


def test_an_empty_message_asks_nothing(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "ask", lambda *a, **k: pytest.fail("the pipeline was asked"))
    updates = chat(pipeline, "   ")
    assert len(updates) == 1


@pytest.mark.parametrize(
    ("title", "source", "body", "filename", "text"),
    [
        (
            "Kerja sama AI Vietnam–Laos",
            "",
            "Isi berita.",
            "Kerja-sama-AI-Vietnam-Laos.txt",
            "Kerja sama AI Vietnam–Laos\nIsi berita.\n",
        ),
        (
            "Judul",
            "https://mst.gov.vn/a.htm",
            "Judul\nIsi.",
            "Judul.txt",
            "Judul\nIsi.\nSumber: https://mst.gov.vn/a.htm\n",
        ),
        ("berita-baru.md", "", "# Judul\nIsi.", "berita-baru.md", "# Judul\nIsi.\n"),
        ("<b>Đà Nẵng</b> AI", "", "Isi.", "Da-Nang-AI.txt", "<b>Đà Nẵng</b> AI\nIsi.\n"),
    ],
)
def test_pasted_article(title: str, source: str, body: str, filename: str, text: str) -> None:
    assert article_upload(title, source, body, None, "id", 1000) == (filename, text.encode())


@pytest.mark.parametrize(
    ("title", "body", "file", "message"),
    [
        ("Judul", "  ", None, "Tempel teks"),
        ("", "Isi.", None, "judul atau nama file"),
        ("", "", "x.pdf", "only .txt and .md"),
        ("", "", "big.txt", "limit"),
    ],
)
def test_bad_article_input_is_refused(
    title: str, body: str, file: str | None, message: str, tmp_path: Path
) -> None:
    path = None
    if file:
        path = tmp_path / file
        path.write_bytes(b"x" * 2000)
    with pytest.raises(InputError, match=message):
        article_upload(title, "", body, str(path) if path else None, "id", 1000)


def test_an_undecodable_upload_leaves_the_corpus_as_it_was(pipeline: Pipeline, tmp_path: Path) -> None:
    before = sorted(p.name for p in pipeline.settings.corpus_dir.iterdir())
    path = tmp_path / "latin.txt"
    path.write_bytes("Berita tentang café di Hanoi".encode("latin-1") * 5)
    filename, data = article_upload("", "", "", str(path), "id", 10_000)
    with pytest.raises(InputError, match="UTF-8"):
        pipeline.add_article(filename, data)
    assert sorted(p.name for p in pipeline.settings.corpus_dir.iterdir()) == before


def test_launch_options(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(host="0.0.0.0", port=8123)
    monkeypatch.delenv("RAG_APP_USER", raising=False)
    monkeypatch.delenv("RAG_APP_PASSWORD", raising=False)
    options = app.launch_options(settings)
    assert (options["server_name"], options["server_port"], options["share"], options["auth"]) == (
        "0.0.0.0",
        8123,
        False,
        None,
    )
    monkeypatch.setenv("RAG_APP_USER", "trainer")
    monkeypatch.setenv("RAG_APP_PASSWORD", "s3cret")
    assert app.launch_options(settings)["auth"] == ("trainer", "s3cret")
    assert app.launch_options(Settings())["server_name"] == "127.0.0.1"
    assert app.launch_options(Settings())["server_port"] == 7860


# --- the real app, started as `python app.py`, with the real models -------------------------------


@pytest.mark.slow
def test_end_to_end_answer_cites_the_gold_article(tmp_path: Path) -> None:
    env = app_env(tmp_path, **default_generator_env())
    proc, url, cold_start = start_app(env, tmp_path)
    try:
        print(f"cold start to page: {cold_start:.1f} s")
        client = Client(url, verbose=False)
        result = client.predict(question=GOLD_QUESTION, api_name="/ask")
        assert not result["abstained"], result
        assert GOLD_DOC in {c["doc_id"] for c in result["citations"]}
        assert "2,1" in result["answer"] or "2.1" in result["answer"], result
        follow = client.predict(
            question="Dan Nokia menyediakan apa?",
            history=json.dumps([[GOLD_QUESTION, result["answer"]]]),
            api_name="/ask",
        )
        assert follow["lang"] == "id" and follow["answer"]
    finally:
        stop(proc)


@pytest.mark.slow
def test_login_is_required_when_set(tmp_path: Path) -> None:
    env = app_env(tmp_path, RAG_GENERATOR="extractive", RAG_APP_USER="trainer", RAG_APP_PASSWORD="s3cret")
    proc, url, _ = start_app(env, tmp_path)
    try:
        assert httpx.get(f"{url}config", timeout=5).status_code == 401
        client = Client(url, auth=("trainer", "s3cret"), verbose=False)
        assert client.predict(question=GOLD_QUESTION, api_name="/ask")["answer"]
    finally:
        stop(proc)
