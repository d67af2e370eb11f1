"""The chat app: answers with clickable sources, how each answer was made, articles, evals, feedback.

`python app.py [--host H] [--port P]` (or `rag serve`) serves it on 127.0.0.1:7860 by default. Set
RAG_APP_USER and RAG_APP_PASSWORD to require a login. The models load in a background thread once the
page is up; the API endpoint `ask` answers through gradio_client. Each tab is a module: rag/ui_ask.py
(chat and /ask), rag/ui_articles.py, rag/ui_eval.py; rag/ui_header.py and rag/ui_service.py hold the rest.
"""

import argparse
import logging
import os
import time
from pathlib import Path
from typing import Any

from rag.offline import set_offline_env

# Before gradio and transformers are imported: no analytics calls and no hub look-ups, ever.
set_offline_env()

import gradio as gr

from rag.errors import RagError
from rag.feedback import FeedbackStore, default_db_path
from rag.pipeline import Pipeline
from rag.settings import Settings, load_settings
from rag.ui import DEFAULT_UI_LANG, label
from rag.ui_articles import articles_tab
from rag.ui_ask import chat_tab, register_api
from rag.ui_eval import eval_tab
from rag.ui_header import header, relabel_on_switch
from rag.ui_render import APP_CSS, CITATION_JS
from rag.ui_service import ChatService, ui_lang_of

__all__ = ["ChatService", "build_app", "launch_options", "main"]

log = logging.getLogger("rag.app")


def build_app(pipeline: Pipeline, feedback: FeedbackStore | None = None) -> gr.Blocks:
    """The Gradio app over a pipeline (models load on first use or by ChatService.start_warming)."""
    service = ChatService(pipeline, feedback or FeedbackStore(default_db_path()))
    with gr.Blocks(title=label(DEFAULT_UI_LANG, "title"), analytics_enabled=False) as demo:
        demo.rag_service = service  # type: ignore[attr-defined]  # for main() and tests
        ui = header(service)
        with gr.Tabs():
            with gr.Tab(label(DEFAULT_UI_LANG, "tab_chat"), id="chat") as ui["tab_chat"]:
                chat_tab(service, ui)
            with gr.Tab(label(DEFAULT_UI_LANG, "tab_articles"), id="articles") as ui["tab_articles"]:
                articles_tab(service, ui)
            with gr.Tab(label(DEFAULT_UI_LANG, "tab_eval"), id="eval") as ui["tab_eval"]:
                eval_tab(service, ui)
        relabel_on_switch(ui)
        register_api(service)
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
