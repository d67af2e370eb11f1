"""The app's shared state: the pipeline, the feedback store, article titles and the streamed answer.

Imported by app.py after `set_offline_env()`, so gradio never phones home.
"""

from __future__ import annotations

import html
import logging
import queue
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.feedback import FeedbackStore
from rag.pipeline import Pipeline
from rag.ui import DEFAULT_UI_LANG, UI_LANGS, display_title, label, short_model_name, source_label
from rag.ui_render import render_notice

log = logging.getLogger("rag.app")
MODEL = "model"  # concurrency id: the generator and the index are used by one event at a time
_DONE = object()


def ui_lang_of(choice: str | None) -> str:
    """The interface language code of the language Radio's value."""
    return UI_LANGS.get(choice or "", DEFAULT_UI_LANG)


class ChatService:
    """The app's state shared by all sessions: the pipeline, the feedback store and article titles."""

    def __init__(self, pipeline: Pipeline, feedback: FeedbackStore) -> None:
        self.pipeline = pipeline
        self.feedback = feedback
        self.ready = threading.Event()
        self.warm_error = ""
        self.generator_name = ""
        self._warming = threading.Lock()
        self._started = False
        self._titles: dict[str, str] = {}
        self._labels: dict[str, str] = {}
        self._export_dir: Path | None = None

    def start_warming(self) -> None:
        """Load the index and the model in a background thread (once)."""
        with self._warming:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._warm, name="warm-models", daemon=True).start()

    def _warm(self) -> None:
        started = time.perf_counter()
        try:
            prefix = self.pipeline.warm_up()
            self.refresh_titles()
            self.generator_name = self.pipeline.generator.name
            log.info(
                "models ready in %.1f s (%s; prompt prefix %s)",
                time.perf_counter() - started, self.generator_name, prefix,
            )  # fmt: skip
        except Exception as exc:  # a background thread: the failure must reach the page, not vanish
            self.warm_error = user_message(exc)
            log.error("could not load the pipeline", exc_info=exc)
        finally:
            self.ready.set()

    def refresh_titles(self) -> None:
        """Names of untitled articles: their opening words in the list, "site · date" in citations."""
        titles, labels = {}, {}
        for row in self.pipeline.documents():
            doc_id, title = row["doc_id"], str(row.get("title") or "")
            doc = None if title else self.pipeline.document(doc_id)
            titles[doc_id] = title or (display_title("", doc.text, doc_id) if doc else doc_id)
            labels[doc_id] = (
                title or source_label(str(row.get("source_url", "")), str(row.get("date", ""))) or doc_id
            )
        self._titles, self._labels = titles, labels

    def titles(self) -> dict[str, str]:
        """doc id -> title, or the article's opening words."""
        if not self._titles:
            self.refresh_titles()
        return self._titles

    def labels(self) -> dict[str, str]:
        """doc id -> title, or "site · date": how a citation names its article."""
        if not self._labels:
            self.refresh_titles()
        return self._labels

    def status(self, lang: str) -> str:
        """The header's status line."""
        if not self.ready.is_set():
            return f'<span class="rag-status loading"><b>●</b> {label(lang, "status_loading")}</span>'
        if self.warm_error:
            return render_notice(self.warm_error, ok=False)
        parts = (
            label(lang, "status_ready"),
            f"{len(self._titles)} {label(lang, 'articles_n')}",
            short_model_name(self.generator_name),
        )
        full = html.escape(self.generator_name)
        return f'<span class="rag-status" title="{full}"><b>●</b> {" · ".join(parts)}</span>'

    def export_csv(self) -> str:
        """The feedback table as a CSV file for the download button."""
        if self._export_dir is None:
            self._export_dir = Path(tempfile.mkdtemp(prefix="rag-feedback-"))
        return str(self.feedback.export_csv(self._export_dir / "feedback.csv"))


def stream_answer(pipeline: Pipeline, question: str, history: list[tuple[str, str]]) -> Iterator[str | Any]:
    """Yield the model's pieces as they come, then the Answer (or the exception raised)."""
    pieces: queue.Queue[Any] = queue.Queue()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["answer"] = pipeline.ask(question, history=history, on_token=pieces.put)
        except Exception as exc:
            outcome["error"] = exc
        finally:
            pieces.put(_DONE)

    threading.Thread(target=work, name="ask", daemon=True).start()
    while (piece := pieces.get()) is not _DONE:
        yield piece
    yield outcome["answer"] if "answer" in outcome else outcome["error"]


def user_message(exc: Exception) -> str:
    """A RagError's message is meant for users; anything else is a bug reported in the server log."""
    if isinstance(exc, RagError):
        return str(exc)
    return f"internal error ({type(exc).__name__}); the details are in the server log"


def log_failure(exc: Exception) -> None:
    if isinstance(exc, RagError):
        log.warning("answer failed: %s", exc)
    else:
        log.error("answer failed", exc_info=exc)
