"""The evaluation tab: run an eval set from the page, with progress and downloadable results."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import InputError, RagError
from rag.evaluate import load_dataset, run_eval
from rag.settings import ROOT
from rag.ui import DEFAULT_UI_LANG, label
from rag.ui_render import render_eval_summary, render_notice
from rag.ui_service import MODEL, ChatService, ui_lang_of

BUNDLED_EVAL = ROOT / "evals" / "dev.jsonl"
RETRIEVAL_MODES = ("hybrid", "dense", "lexical")  # run_eval measures every mode
EVAL_PROGRESS = gr.Progress()  # Gradio injects the progress tracker into a parameter with this default


def eval_tab(service: ChatService, ui: dict[str, Any]) -> None:
    """Run the bundled or an uploaded eval set, with progress, a summary and downloadable results."""
    lang = DEFAULT_UI_LANG
    ui["eval_heading"] = gr.Markdown(f"### {label(lang, 'eval_heading')}")
    with gr.Row():
        ui["eval_dataset"] = source = gr.Radio(
            radio_choices(lang, "eval_bundled", "eval_upload", ("bundled", "upload")),
            value="bundled",
            label=label(lang, "eval_dataset"),
        )
        ui["eval_kind"] = kind = gr.Radio(
            radio_choices(lang, "eval_fast", "eval_full", ("retrieval", "full")),
            value="retrieval",
            label=label(lang, "eval_kind"),
        )
        ui["eval_mode"] = mode = gr.Dropdown(
            list(RETRIEVAL_MODES), value=service.pipeline.settings.mode, label=label(lang, "eval_mode")
        )
    ui["eval_file"] = upload = gr.File(label=label(lang, "eval_file"), file_types=[".jsonl"], type="filepath")
    ui["eval_run"] = run = gr.Button(label(lang, "eval_run"), variant="primary")
    summary = gr.HTML("", elem_id="rag-eval-summary")
    with gr.Row():
        ui["download_report"] = report = gr.DownloadButton(label(lang, "download_report"), visible=False)
        ui["download_questions"] = questions = gr.DownloadButton(
            label(lang, "download_questions"), visible=False
        )

    def evaluate(
        source_choice: str,
        path: str | None,
        kind_choice: str,
        mode_choice: str,
        choice: str,
        progress: gr.Progress = EVAL_PROGRESS,
    ):
        lang = ui_lang_of(choice)
        hidden = gr.DownloadButton(visible=False)
        try:
            dataset = BUNDLED_EVAL if source_choice == "bundled" else Path(path) if path else None
            if dataset is None:
                raise InputError(label(lang, "eval_need_file"))
            started = time.perf_counter()
            n, summary, out = _run_evaluation(
                service, dataset, kind_choice == "full", mode_choice, lang, progress
            )
        except RagError as exc:
            return render_notice(str(exc), ok=False), hidden, hidden
        done = render_notice(label(lang, "eval_done").format(n=n, s=time.perf_counter() - started), ok=True)
        return (
            done + render_eval_summary(summary, lang),
            gr.DownloadButton(value=str(out / "report.html"), visible=True),
            gr.DownloadButton(value=str(out / "questions.jsonl"), visible=True),
        )

    run.click(
        evaluate,
        [source, upload, kind, mode, ui["ui_lang"]],
        [summary, report, questions],
        api_visibility="private",
        concurrency_id=MODEL,
        concurrency_limit=1,
    )


class CountingRetriever:
    """A retriever that reports each search: the progress of the retrieval part of an eval run."""

    def __init__(self, retriever: Any, on_search: Callable[[], None]) -> None:
        self._retriever = retriever
        self._on_search = on_search

    def search(self, *args: Any, **kwargs: Any) -> Any:
        hits = self._retriever.search(*args, **kwargs)
        self._on_search()
        return hits

    def __getattr__(self, name: str) -> Any:
        return getattr(self._retriever, name)


def _run_evaluation(
    service: ChatService, dataset: Path, full: bool, mode: str, lang: str, progress: gr.Progress
) -> tuple[int, dict[str, Any], Path]:
    """Run an eval set into a new temporary folder; progress goes search by search, then answer by answer."""
    items = load_dataset(dataset)
    out = Path(tempfile.mkdtemp(prefix="rag-eval-"))
    searches = len(items) * len(RETRIEVAL_MODES)
    state = {"searched": 0, "answering": False}

    def searched() -> None:
        state["searched"] += 1
        if not state["answering"] and state["searched"] <= searches:
            progress((state["searched"], searches), desc=label(lang, "eval_searching"), unit="q")

    def answered(done: int, total: int) -> None:
        state["answering"] = True
        progress((done, total), desc=label(lang, "eval_answering"), unit="q")

    progress((0, searches), desc=label(lang, "eval_searching"), unit="q")
    summary = run_eval(
        items,
        service.pipeline.settings,
        out,
        retrieval_only=not full,
        mode=mode,
        progress=answered,
        retriever=CountingRetriever(service.pipeline.retriever, searched),  # type: ignore[arg-type]
    )
    return len(items), summary, out


def radio_choices(lang: str, first: str, second: str, values: tuple[str, str]) -> list[tuple[str, str]]:
    """Two labelled choices of a Radio in the interface language."""
    return [(label(lang, first), values[0]), (label(lang, second), values[1])]
