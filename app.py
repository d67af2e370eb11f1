"""The chat app: answers with clickable sources, how each answer was made, articles, evals, feedback.

`python app.py [--host H] [--port P]` (or `rag serve`) serves it on 127.0.0.1:7860 by default. Set
RAG_APP_USER and RAG_APP_PASSWORD to require a login. The models load in a background thread once the
page is up; the API endpoint `ask` answers through gradio_client.
"""

import argparse
import html
import logging
import os
import queue
import re
import tempfile
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rag.offline import set_offline_env

# Before gradio and transformers are imported: no analytics calls and no hub look-ups, ever.
set_offline_env()

import gradio as gr

from rag.errors import InputError, RagError
from rag.evaluate import load_dataset, run_eval
from rag.feedback import FeedbackStore, Rated, default_db_path
from rag.pipeline import Pipeline
from rag.settings import ROOT, Settings, load_settings
from rag.ui import (
    DEFAULT_UI_LANG,
    EXAMPLES,
    UI_LANGS,
    answer_payload,
    citation_payload,
    display_title,
    label,
    parse_history,
    render_answer,
    render_error,
    render_streaming,
    short_model_name,
    source_label,
)
from rag.ui_render import (
    APP_CSS,
    CITATION_JS,
    render_article,
    render_articles,
    render_eval_summary,
    render_notice,
    render_trace,
    render_trace_empty,
)

log = logging.getLogger("rag.app")
BUNDLED_EVAL = ROOT / "evals" / "dev.jsonl"
ARTICLE_SUFFIXES = (".txt", ".md")
SLUG_CHARS = 60
RETRIEVAL_MODES = ("hybrid", "dense", "lexical")  # run_eval measures every mode
MODEL = "model"  # concurrency id: the generator and the index are used by one event at a time
_DONE = object()
EVAL_PROGRESS = gr.Progress()  # Gradio injects the progress tracker into a parameter with this default


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
            self.pipeline.retriever  # noqa: B018 - loading is the point
            self.refresh_titles()
            self.generator_name = self.pipeline.generator.name
            log.info("models ready in %.1f s (%s)", time.perf_counter() - started, self.generator_name)
        except Exception as exc:  # a background thread: the failure must reach the page, not vanish
            self.warm_error = _user_message(exc)
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


def build_app(pipeline: Pipeline, feedback: FeedbackStore | None = None) -> gr.Blocks:
    """The Gradio app over a pipeline (models load on first use or by ChatService.start_warming)."""
    service = ChatService(pipeline, feedback or FeedbackStore(default_db_path()))
    with gr.Blocks(title=label(DEFAULT_UI_LANG, "title"), analytics_enabled=False) as demo:
        demo.rag_service = service  # type: ignore[attr-defined]  # for main() and tests
        ui = _header(service)
        with gr.Tabs():
            with gr.Tab(label(DEFAULT_UI_LANG, "tab_chat"), id="chat") as ui["tab_chat"]:
                _chat_tab(service, ui)
            with gr.Tab(label(DEFAULT_UI_LANG, "tab_articles"), id="articles") as ui["tab_articles"]:
                _articles_tab(service, ui)
            with gr.Tab(label(DEFAULT_UI_LANG, "tab_eval"), id="eval") as ui["tab_eval"]:
                _eval_tab(service, ui)
        _relabel_on_switch(ui)
        _api(service)
        demo.load(service.start_warming, api_visibility="private")
        demo.load(
            lambda choice: service.status(ui_lang_of(choice)),
            ui["ui_lang"],
            ui["status"],
            api_visibility="private",
        )
        listing, listing_outputs = ui["articles_refresh"]
        demo.load(listing, ui["ui_lang"], listing_outputs, api_visibility="private")
        demo.load(service.export_csv, None, ui["export"], api_visibility="private")
    return demo


def _header(service: ChatService) -> dict[str, Any]:
    lang = DEFAULT_UI_LANG
    with gr.Row(equal_height=True):
        with gr.Column(scale=4):
            title = gr.HTML(_title_html(lang))
        with gr.Column(scale=1, min_width=330):
            ui_lang = gr.Radio(list(UI_LANGS), value="Bahasa Indonesia", show_label=False, container=False)
            status = gr.HTML(service.status(lang))
    timer = gr.Timer(1.0)
    timer.tick(
        lambda choice: (service.status(ui_lang_of(choice)), gr.Timer(active=not service.ready.is_set())),
        ui_lang,
        [status, timer],
        api_visibility="private",
        show_progress="hidden",
    )
    return {"ui_lang": ui_lang, "title": title, "status": status, "service": service}


def _title_html(lang: str) -> str:
    heading = f"<h1>{label(lang, 'title')}</h1><p>{label(lang, 'subtitle')}</p>"
    return f'<div id="rag-header"><div>{heading}</div></div>'


def _chat_tab(service: ChatService, ui: dict[str, Any]) -> None:
    lang = DEFAULT_UI_LANG
    messages = gr.State([])  # the chat as shown (HTML), kept here: the Chatbot is output only
    turns = gr.State([])  # one dict per answer: plain question and answer, ids, models
    rated = gr.State("")  # answer id of the last rated answer, for its comment
    ui["chatbot"] = chatbot = gr.Chatbot(
        height="56vh",
        show_label=False,
        elem_id="rag-chat",
        placeholder=label(lang, "subtitle"),
        feedback_options=("Like", "Dislike"),
        autoscroll=True,
        buttons=[],
        layout="panel",
    )
    with gr.Row(equal_height=True, elem_id="rag-ask-row"):
        ui["question"] = question = gr.Textbox(
            label=label(lang, "question"),
            placeholder=label(lang, "placeholder"),
            scale=8,
            max_lines=4,
            show_label=False,
            autofocus=True,
            elem_id="rag-question",
            container=False,
        )
        ui["send"] = send = gr.Button(label(lang, "send"), variant="primary", scale=1, elem_id="rag-send")
        ui["clear"] = clear = gr.Button(label(lang, "clear"), variant="secondary", scale=1, size="md")
    with gr.Row(elem_classes="rag-examples"):
        ui["examples_label"] = gr.HTML(_examples_label(lang), min_width=0, scale=0)
        example_buttons = [
            gr.Button(f"{tag} · {text}", size="sm", variant="secondary", elem_classes="rag-example")
            for tag, text in EXAMPLES
        ]
    with gr.Accordion(label(lang, "trace"), open=False, elem_id="rag-trace-box") as ui["trace_box"]:
        ui["trace"] = trace = gr.HTML(render_trace_empty(lang), elem_id="rag-trace")
    with gr.Row(equal_height=True, visible=False, elem_id="rag-comment-row") as comment_row:
        ui["comment"] = comment = gr.Textbox(
            label=label(lang, "comment"),
            placeholder=label(lang, "comment"),
            scale=4,
            max_lines=3,
            show_label=False,
            container=False,
            elem_id="rag-comment",
        )
        ui["send_comment"] = send_comment = gr.Button(label(lang, "send_comment"), scale=1, size="md")
    with gr.Row(equal_height=True, elem_classes="rag-feedback-row"):
        ui["feedback_prompt"] = gr.HTML(_muted(label(lang, "feedback_prompt")))
        ui["export"] = export = gr.DownloadButton(
            label(lang, "export"), size="sm", variant="secondary", scale=0
        )

    respond = _responder(service)
    chat_in = [question, messages, turns, ui["ui_lang"]]
    chat_out = [chatbot, question, messages, turns, trace]
    for trigger in (question.submit, send.click):
        trigger(
            respond, chat_in, chat_out, api_visibility="private", concurrency_id=MODEL, concurrency_limit=1
        )
    for button, (_, text) in zip(example_buttons, EXAMPLES, strict=True):
        button.click(lambda t=text: t, None, question, api_visibility="private", queue=False).then(
            respond, chat_in, chat_out, api_visibility="private", concurrency_id=MODEL, concurrency_limit=1
        )

    def reset(choice: str) -> tuple[Any, ...]:
        return [], "", [], [], render_trace_empty(ui_lang_of(choice)), "", gr.Row(visible=False)

    reset_io = ([ui["ui_lang"]], [chatbot, question, messages, turns, trace, rated, comment_row])
    clear.click(reset, *reset_io, api_visibility="private", queue=False)
    chatbot.clear(reset, *reset_io, api_visibility="private", queue=False)
    chatbot.like(
        _on_like(service), [turns, ui["ui_lang"]], [rated, export, comment_row], api_visibility="private"
    )
    send_comment.click(
        _on_comment(service), [rated, comment, ui["ui_lang"]], [comment, export], api_visibility="private"
    )


def _examples_label(lang: str) -> str:
    return f'<div class="rag-examples-label">{label(lang, "examples")}</div>'


def _muted(text: str) -> str:
    return f'<div class="rag-muted">{text}</div>'


def _responder(service: ChatService):
    def respond(question: str, messages: list, turns: list, choice: str):
        lang = ui_lang_of(choice)
        text = (question or "").strip()
        if not text:
            gr.Info(label(lang, "empty_hint"))
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        before = [*messages, {"role": "user", "content": text}]

        def shown(reply: str) -> list[dict[str, str]]:
            return [*before, {"role": "assistant", "content": reply}]  # a new list per update

        yield shown(render_streaming("", lang)), "", shown(render_streaming("", lang)), turns, gr.skip()
        history = [(t["question"], t["answer"]) for t in turns]
        streamed = ""
        for item in stream_answer(service.pipeline, text, history):
            if isinstance(item, str):
                streamed += item
                reply = shown(render_streaming(streamed, lang))
                yield reply, "", reply, turns, gr.skip()
            elif isinstance(item, Exception):
                _log_failure(item)
                reply = shown(render_error(_user_message(item), lang))
                yield reply, "", reply, turns, gr.skip()
            else:
                uid = uuid.uuid4().hex[:12]
                labels = service.labels()
                reply = shown(render_answer(item, uid, lang, labels))
                turn = _turn(service, item, uid, len(reply) - 1, labels)
                yield reply, "", reply, [*turns, turn], render_trace(item, lang, turn["index_id"])

    return respond


def _turn(service: ChatService, answer: Any, uid: str, index: int, titles: dict[str, str]) -> dict[str, Any]:
    """What is kept of an answer for follow-ups and feedback."""
    try:
        index_id = service.pipeline.index_id()
    except RagError:
        index_id = ""
    return {
        "uid": uid,
        "message_index": index,
        "question": answer.question,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "lang": answer.lang,
        "models": dict(answer.models),
        "index_id": index_id,
        "citations": [citation_payload(c, titles.get(c.doc_id, "")) for c in answer.citations],
    }


def _user_message(exc: Exception) -> str:
    """A RagError's message is meant for users; anything else is a bug reported in the server log."""
    if isinstance(exc, RagError):
        return str(exc)
    return f"internal error ({type(exc).__name__}); the details are in the server log"


def _log_failure(exc: Exception) -> None:
    if isinstance(exc, RagError):
        log.warning("answer failed: %s", exc)
    else:
        log.error("answer failed", exc_info=exc)


def _on_like(service: ChatService):
    def on_like(turns: list, choice: str, data: gr.LikeData):
        lang = ui_lang_of(choice)
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        turn = next((t for t in turns if t["message_index"] == index), None)
        if turn is None:
            gr.Info(label(lang, "not_rateable"))
            return gr.skip(), gr.skip(), gr.skip()
        rating = "like" if data.liked is True or data.liked == "Like" else "dislike"
        service.feedback.rate(
            Rated(
                answer_id=turn["uid"],
                rating=rating,
                question=turn["question"],
                answer=turn["answer"],
                abstained=turn["abstained"],
                lang=turn["lang"],
                citations=turn["citations"],
                generator=turn["models"].get("generator", ""),
                embedder=turn["models"].get("embedder", ""),
                index_id=turn["index_id"],
            )
        )
        gr.Info(label(lang, "thanks"))
        return turn["uid"], service.export_csv(), gr.Row(visible=True)

    return on_like


def _on_comment(service: ChatService):
    def on_comment(answer_id: str, text: str, choice: str):
        lang = ui_lang_of(choice)
        if not (text or "").strip():
            return gr.skip(), gr.skip()
        if not answer_id or not service.feedback.comment(answer_id, text):
            gr.Warning(label(lang, "rate_first"))
            return gr.skip(), gr.skip()
        gr.Info(label(lang, "comment_saved"))
        return "", service.export_csv()

    return on_comment


def _articles_tab(service: ChatService, ui: dict[str, Any]) -> None:
    lang = DEFAULT_UI_LANG
    with gr.Row():
        with gr.Column(scale=3):
            ui["articles_list"] = gr.Markdown(f"### {label(lang, 'articles_list')}")
            ui["articles"] = articles = gr.HTML("", elem_id="rag-articles")
            ui["view_article"] = view = gr.Dropdown(label=label(lang, "view_article"), choices=[], value=None)
            ui["article"] = article = gr.HTML("", elem_id="rag-article")
        with gr.Column(scale=2):
            ui["add_heading"] = gr.Markdown(f"### {label(lang, 'add_heading')}")
            ui["add_name"] = name = gr.Textbox(label=label(lang, "add_name"), max_lines=1)
            ui["add_url"] = url = gr.Textbox(label=label(lang, "add_url"), max_lines=1)
            ui["add_text"] = text = gr.Textbox(label=label(lang, "add_text"), lines=8, max_lines=16)
            ui["add_file"] = upload = gr.File(
                label=label(lang, "add_file"), file_types=list(ARTICLE_SUFFIXES), type="filepath"
            )
            ui["add_button"] = add = gr.Button(label(lang, "add_button"), variant="primary")
            notice = gr.HTML("", elem_id="rag-add-notice")

    def listing(choice: str, selected: str | None = None) -> tuple[str, Any]:
        rows = [
            {**row, "display_title": service.titles().get(row["doc_id"], row["doc_id"])}
            for row in service.pipeline.documents()
        ]
        choices = [(f"{r['display_title']} ({r['doc_id']})", r["doc_id"]) for r in rows]
        return render_articles(rows, ui_lang_of(choice)), gr.Dropdown(choices=choices, value=selected)

    def show(doc_id: str | None):
        doc = service.pipeline.document(doc_id) if doc_id else None
        if doc is None:
            return ""
        return render_article(
            service.titles().get(doc.doc_id, doc.doc_id), doc.source_url, doc.date, doc.text
        )

    def add_article(title: str, source: str, body: str, path: str | None, choice: str):
        lang = ui_lang_of(choice)
        try:
            filename, data = _article_upload(
                title, source, body, path, lang, service.pipeline.settings.max_upload_bytes
            )
            doc_id, report = service.pipeline.add_article(filename, data)
        except RagError as exc:
            gr.Warning(str(exc))
            return (render_notice(str(exc), ok=False), *([gr.skip()] * 7))
        service.refresh_titles()
        message = label(lang, "added").format(
            doc_id=doc_id, chunks=report.embedded_chunks, total=report.total_chunks
        )
        table, dropdown = listing(choice, doc_id)
        cleared = ("", "", "", None)  # the form, ready for the next article
        return render_notice(message, ok=True), table, dropdown, *cleared, service.status(lang)

    ui["articles_refresh"] = (listing, [articles, view])
    view.change(show, view, article, api_visibility="private")
    add.click(
        add_article,
        [name, url, text, upload, ui["ui_lang"]],
        [notice, articles, view, name, url, text, upload, ui["status"]],
        api_visibility="private",
        concurrency_id=MODEL,
        concurrency_limit=1,
    )


def _article_upload(
    title: str, source: str, body: str, path: str | None, lang: str, limit: int
) -> tuple[str, bytes]:
    """The file name and bytes of an uploaded file, or of pasted text with its title and source line."""
    if path:
        file = Path(path)
        if file.suffix.lower() not in ARTICLE_SUFFIXES:
            raise InputError(
                f"only .txt and .md articles can be added, not {file.suffix or 'a file without suffix'}"
            )
        if file.stat().st_size > limit:
            raise InputError(f"the article is {file.stat().st_size:,} bytes; the limit is {limit:,}")
        return file.name, file.read_bytes()
    if not (body or "").strip():
        raise InputError(label(lang, "add_need_text"))
    title = (title or "").strip()
    if not title:
        raise InputError(label(lang, "add_need_name"))
    if title.lower().endswith(ARTICLE_SUFFIXES):
        filename, heading = title, ""
    else:
        filename, heading = f"{_slug(title)}.txt", title
    lines = [heading] if heading and not body.lstrip().startswith(heading) else []
    lines.append(body.strip())
    if (source or "").strip():
        lines.append(f"Sumber: {source.strip()}")
    return filename, ("\n".join(lines) + "\n").encode("utf-8")


def _slug(title: str) -> str:
    """A file name from a title in ASCII letters, digits and dashes ("Kerja sama AI" -> "Kerja-sama-AI")."""
    plain = re.sub(r"<[^>]*>", " ", title).replace("Đ", "D").replace("đ", "d")  # tags are not part of a name
    # Each character on its own: accents go ("à" -> "a"), other symbols become a separator ("–" -> "-").
    ascii_title = "".join(
        unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode() or "-" for c in plain
    )
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-")[:SLUG_CHARS] or "artikel"


def _eval_tab(service: ChatService, ui: dict[str, Any]) -> None:
    lang = DEFAULT_UI_LANG
    ui["eval_heading"] = gr.Markdown(f"### {label(lang, 'eval_heading')}")
    with gr.Row():
        ui["eval_dataset"] = source = gr.Radio(
            _choices(lang, "eval_bundled", "eval_upload", ("bundled", "upload")),
            value="bundled",
            label=label(lang, "eval_dataset"),
        )
        ui["eval_kind"] = kind = gr.Radio(
            _choices(lang, "eval_fast", "eval_full", ("retrieval", "full")),
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
            done + render_eval_summary(summary),
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


def _choices(lang: str, first: str, second: str, values: tuple[str, str]) -> list[tuple[str, str]]:
    return [(label(lang, first), values[0]), (label(lang, second), values[1])]


# Components whose label, value (buttons, headings) or choices follow the interface language.
# (A DownloadButton's value is its file: its text is its label.)
LABELLED: tuple[str, ...] = ("comment", "add_name", "add_url", "add_text", "add_file", "view_article")
LABELLED += ("eval_file", "eval_mode", "export", "download_report", "download_questions")
VALUED = ("send", "clear", "send_comment", "add_button", "eval_run")  # buttons: the value is the text
HEADINGS = ("articles_list", "add_heading", "eval_heading")
TABS = ("tab_chat", "tab_articles", "tab_eval")
CHOICES = {
    "eval_dataset": ("eval_bundled", "eval_upload", ("bundled", "upload")),
    "eval_kind": ("eval_fast", "eval_full", ("retrieval", "full")),
}


def _relabels(ui: dict[str, Any], lang: str) -> dict[Any, Any]:
    """Every language-dependent component with its update for `lang`."""
    updates: dict[Any, Any] = {
        ui["title"]: _title_html(lang),
        ui["status"]: ui["service"].status(lang),
        ui["examples_label"]: _examples_label(lang),
        ui["feedback_prompt"]: _muted(label(lang, "feedback_prompt")),
        # gr.update, not component constructors: this also runs while the layout is built
        ui["trace_box"]: gr.update(label=label(lang, "trace")),
        ui["chatbot"]: gr.update(placeholder=label(lang, "subtitle")),
        ui["question"]: gr.update(label=label(lang, "question"), placeholder=label(lang, "placeholder")),
    }
    updates |= {ui[k]: gr.update(label=label(lang, k)) for k in LABELLED}
    updates[ui["comment"]] = gr.update(label=label(lang, "comment"), placeholder=label(lang, "comment"))
    updates |= {ui[k]: gr.update(value=label(lang, k)) for k in VALUED}
    updates |= {ui[k]: f"### {label(lang, k)}" for k in HEADINGS}
    updates |= {ui[k]: gr.update(label=label(lang, k)) for k in TABS}
    for key, (first, second, values) in CHOICES.items():
        updates[ui[key]] = gr.update(label=label(lang, key), choices=_choices(lang, first, second, values))
    return updates


def _relabel_on_switch(ui: dict[str, Any]) -> None:
    """Switching the interface language relabels every component and re-renders the article list."""
    listing, listing_outputs = ui["articles_refresh"]
    outputs = list(_relabels(ui, DEFAULT_UI_LANG))
    ui["ui_lang"].change(
        lambda choice: _relabels(ui, ui_lang_of(choice)),
        ui["ui_lang"],
        outputs,
        api_visibility="private",
        queue=False,
    )
    ui["ui_lang"].change(listing, ui["ui_lang"], listing_outputs, api_visibility="private")


def _api(service: ChatService) -> None:
    """The documented endpoint: /ask (question, optional history JSON) -> answer with citations."""

    def ask(question: str, history: str = "") -> dict[str, Any]:
        """Answer a question about the articles.

        Args:
            question: the question, in Indonesian, English or Vietnamese.
            history: optional JSON list of earlier [question, answer] pairs, for follow-up questions.
        Returns:
            {"answer", "abstained", "lang", "citations": [{"n", "doc_id", "chunk_id", "title", "source_url",
            "quote", "start", "end"}]}
        """
        try:
            answer = service.pipeline.ask(question, history=parse_history(history))
        except RagError as exc:
            raise gr.Error(str(exc)) from None
        return answer_payload(answer, service.labels())

    gr.api(ask, api_name="ask", concurrency_id=MODEL, concurrency_limit=1)


def main(argv: list[str] | None = None) -> None:
    """Serve the app (host, port and login from settings and RAG_APP_USER / RAG_APP_PASSWORD)."""
    parser = argparse.ArgumentParser(description="Serve the Vietnam AI-policy chat app.")
    parser.add_argument("--host", help="address to listen on (default: settings.host, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: settings.port, 7860)")
    parser.add_argument("--config", type=Path, help="a rag.toml file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    try:
        settings = load_settings(args.config, host=args.host, port=args.port)
        feedback = FeedbackStore(default_db_path())
    except RagError as exc:
        raise SystemExit(f"error: {exc}") from None
    demo = build_app(Pipeline(settings), feedback)
    demo.queue(default_concurrency_limit=4)
    demo.launch(prevent_thread_lock=True, **launch_options(settings))
    log.info("page up in %.1f s at http://%s:%d", time.perf_counter() - started, settings.host, settings.port)
    demo.rag_service.start_warming()  # type: ignore[attr-defined]
    demo.block_thread()


def launch_options(settings: Settings) -> dict[str, Any]:
    """Blocks.launch arguments: address, optional login, never a share link, the look and the script."""
    user, password = os.environ.get("RAG_APP_USER", ""), os.environ.get("RAG_APP_PASSWORD", "")
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "share": False,
        "auth": (user, password) if user and password else None,
        "css": APP_CSS,
        "js": CITATION_JS,
        "theme": _theme(),
        # Gradio refuses far larger uploads itself; a little over the limit gets the app's own message.
        "max_file_size": 2 * settings.max_upload_bytes,
        "footer_links": ["api"],
        "show_error": True,
    }


def _theme() -> gr.themes.Base:
    """A calm theme with system fonts (no web font downloads: the app may run offline)."""
    fonts = ["Inter", "Segoe UI", "Helvetica Neue", "Arial", "sans-serif"]
    return gr.themes.Soft(
        primary_hue="blue", neutral_hue="slate", font=fonts, font_mono=["ui-monospace", "monospace"]
    )


if __name__ == "__main__":
    main()
