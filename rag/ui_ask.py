"""The chat tab and the /ask API: streamed, cited answers, the trace, and feedback on answers."""

from __future__ import annotations

import uuid
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.feedback import Rated
from rag.ui import (
    DEFAULT_UI_LANG,
    EXAMPLES,
    answer_payload,
    citation_payload,
    label,
    parse_history,
    render_answer,
    render_error,
    render_streaming,
)
from rag.ui_render import render_trace, render_trace_empty
from rag.ui_service import MODEL, ChatService, log_failure, stream_answer, ui_lang_of, user_message


def chat_tab(service: ChatService, ui: dict[str, Any]) -> None:
    """The chat: question box, examples, streamed answers, the trace, ratings and comments."""
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
        ui["examples_label"] = gr.HTML(examples_label(lang), min_width=0, scale=0)
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
        ui["feedback_prompt"] = gr.HTML(muted(label(lang, "feedback_prompt")))
        ui["export"] = export = gr.DownloadButton(
            label(lang, "export"), size="sm", variant="secondary", scale=0
        )

    respond = responder(service)
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


def examples_label(lang: str) -> str:
    """The label in front of the example questions."""
    return f'<div class="rag-examples-label">{label(lang, "examples")}</div>'


def muted(text: str) -> str:
    """A line of grey help text."""
    return f'<div class="rag-muted">{text}</div>'


def responder(service: ChatService):
    """The chat handler: streams the model's pieces, then the checked answer, an abstention or an error."""

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
                log_failure(item)
                reply = shown(render_error(user_message(item), lang))
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


def register_api(service: ChatService) -> None:
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
        except Exception as exc:  # one line for the caller; a bug's traceback goes to the server log only
            log_failure(exc)
            raise gr.Error(user_message(exc)) from None
        return answer_payload(answer, service.labels())

    gr.api(ask, api_name="ask", concurrency_id=MODEL, concurrency_limit=1)
