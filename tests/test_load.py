"""A short run of bench/load_test.py: 3 users for 10 s against `python app.py` with extractive answers.

The full run (16 users, two minutes) is a benchmark: see the command at the top of bench/load_test.py.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from app_support import app_env, start_app, stop

from rag.settings import ROOT

SCRIPT = ROOT / "bench" / "load_test.py"


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location("load_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_summary_of_requests() -> None:
    rows = [
        {"ok": True, "wait_s": 0.1, "total_s": 0.3, "positions": [1, 2]},
        {"ok": True, "wait_s": None, "total_s": 0.5, "positions": []},
        {"ok": False, "error": "AppError: boom", "total_s": 0.2, "positions": [3]},
    ]
    summary = load_script().summarise(rows, users=2, seconds=5.0)
    assert (summary["requests"], summary["failures"], summary["errors"]) == (3, 1, ["AppError: boom"])
    assert summary["queue_wait_s_p50"] == 0.1 and summary["total_s_p95"] == 0.49
    assert summary["max_queue_position_shown"] == 3 and summary["requests_shown_a_position"] == 2


def test_only_loopback_is_load_tested() -> None:
    with pytest.raises(SystemExit, match="loopback"):
        load_script().run("http://example.org/", users=1, seconds=1)


@pytest.mark.slow  # the app loads the real embedder
def test_three_users_for_ten_seconds(tmp_path: Path) -> None:
    proc, url, _ = start_app(app_env(tmp_path, RAG_GENERATOR="extractive"), tmp_path)
    out = tmp_path / "load.json"
    try:
        command = [sys.executable, str(SCRIPT), "--url", url, "--users", "3", "--duration", "10"]
        run = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True, timeout=300)
    finally:
        stop(proc)
    assert run.returncode == 0, run.stdout + run.stderr
    summary = json.loads(out.read_text())
    assert summary == json.loads(run.stdout)
    print(summary)
    assert summary["requests"] >= 3 and summary["failures"] == 0, summary
    assert summary["requests_shown_a_position"] > 0 and summary["max_queue_position_shown"] >= 1
    for key in ("queue_wait_s_p50", "queue_wait_s_p95", "total_s_p50", "total_s_p95"):
        assert summary[key] is not None and summary[key] >= 0
    assert summary["queue_wait_s_p95"] <= summary["total_s_p95"]
