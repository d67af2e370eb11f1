"""Helpers shared by the app tests: load app.py, launch it in this process or as `python app.py`."""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from rag.settings import ROOT


@functools.cache
def load_app_module() -> Any:
    """app.py from the project folder (it is a script, not part of the rag package), loaded once."""
    spec = importlib.util.spec_from_file_location("rag_app", ROOT / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def default_generator_env() -> dict[str, str]:
    """The default generator when its model file is there, else the extractive one."""
    from rag.errors import ModelMissingError
    from rag.models import model_path
    from rag.settings import load_settings

    try:
        model_path(load_settings(), "qwen2.5-coder-1.5b")
    except ModelMissingError:
        return {"RAG_GENERATOR": "extractive"}
    return {}


def app_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for an app process that writes only under tmp_path (the model cache stays shared)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    if not corpus.exists():
        shutil.copytree(ROOT / "corpus", corpus)
        if (ROOT / "index" / "manifest.json").is_file():  # unchanged articles keep their vectors
            shutil.copytree(ROOT / "index", index)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "GRADIO_"))}
    env.update(
        RAG_CORPUS_DIR=str(corpus),
        RAG_INDEX_DIR=str(index),
        RAG_FEEDBACK_DB=str(tmp_path / "feedback.sqlite3"),
        RAG_CONFIG=str(tmp_path / "no-rag.toml"),
        TMPDIR=str(tmp_path / "tmp"),
        GRADIO_TEMP_DIR=str(tmp_path / "tmp" / "gradio"),
        GRADIO_ANALYTICS_ENABLED="False",
        **extra,
    )
    for key in ("RAG_MODEL_DIR", "RAG_CACHE_DIR", "RAG_LLM_TIMEOUT_S"):  # conftest: a generous timeout
        if key in os.environ:
            env[key] = os.environ[key]
    subprocess.run(
        [sys.executable, "-c", "from rag.cli import main; main()", "index"],
        env=env,
        cwd=tmp_path,
        check=True,
        timeout=600,
    )
    return env


def start_app(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start `python app.py --port FREE`; return the process, its URL and seconds until the page answered."""
    port = free_port()
    started = time.perf_counter()
    log = (cwd / f"app-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--port", str(port)], env=env, cwd=cwd, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}/"
    while time.perf_counter() - started < 120:
        if proc.poll() is not None:
            raise AssertionError(f"app exited with {proc.returncode}: {(cwd / log.name).read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return proc, url, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("the app did not answer within 120 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop an app process politely, then by force."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def launched(demo: Any, **options: Any) -> Iterator[str]:
    """A built app launched in this process on a free port; yields its URL and closes it after."""
    app = load_app_module()
    settings = demo.rag_service.pipeline.settings
    merged = {**app.launch_options(settings), "server_port": free_port(), "quiet": True, **options}
    demo.queue(default_concurrency_limit=4)
    _, url, _ = demo.launch(prevent_thread_lock=True, **merged)
    try:
        yield url
    finally:
        demo.close()
