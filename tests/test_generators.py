"""Generator backends: the contract over every backend, the deadline, and real models (slow)."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.errors import GeneratorError, InputError, ModelMissingError
from rag.generators import make_generator
from rag.generators.base import Generator, stream_with_deadline
from rag.generators.extractive import ExtractiveGenerator, pick_sentences
from rag.prompting import build_messages, select_passages
from rag.settings import Settings, load_settings
from rag.types import Chunk, Hit

TEXT = (
    "Pusat Teknologi Strategis Australia-Vietnam (AVSTC) secara resmi dibuka pada 11 Juni di Hanoi. "
    "Departemen Luar Negeri dan Perdagangan Australia menyediakan dana awal sebesar AUD 2,1 juta untuk "
    "mendirikan Pusat ini. Perusahaan telekomunikasi global Nokia menyediakan peralatan teknis."
)


def _messages(question: str, lang: str = "id") -> list[dict[str, str]]:
    hit = Hit(Chunk("d#0", "d", 0, TEXT, 0, len(TEXT)), 1.0, 1, dense_score=0.9)
    return build_messages(question, select_passages(question, [hit]), lang)


def _real_settings() -> Settings:
    # Generous timeout: the first call evaluates the whole fixed prompt prefix on a busy 2-core machine.
    settings = dataclasses.replace(load_settings(), llm_timeout_s=600.0)
    try:
        from rag.models import model_path

        model_path(settings, settings.llm_model)
    except ModelMissingError as exc:
        pytest.fail(f"{exc}")  # slow tests run in CI after `rag models fetch`: a missing model is a failure
    return settings


# ---- contract: every backend streams strings for the same messages -------------------------------


def test_extractive_answers_with_the_best_sentence_and_its_marker() -> None:
    text = "".join(
        ExtractiveGenerator().stream(
            _messages("Berapa dana awal Australia untuk AVSTC?"), max_tokens=100, stop=[]
        )
    )
    assert "menyediakan dana awal sebesar AUD 2,1 juta untuk mendirikan Pusat ini [1]." in text
    assert 1 <= text.count("[1]") <= 2


@pytest.mark.parametrize(
    ("question", "first_words"),
    [
        ("Kapan AVSTC dibuka?", "Pusat Teknologi Strategis"),
        ("Perusahaan mana yang menyediakan peralatan teknis?", "Perusahaan telekomunikasi global Nokia"),
        (
            "Who provided equipment?",
            "Pusat Teknologi Strategis",
        ),  # nothing shared: the first passage's first sentence
    ],
)
def test_extractive_pick_sentences(question: str, first_words: str) -> None:
    picked = pick_sentences(question, [(1, TEXT)])
    assert picked[0][1].startswith(first_words)


def test_extractive_without_sources_abstains_in_the_asked_language() -> None:
    messages = build_messages("Who?", [], "en")
    assert (
        "".join(ExtractiveGenerator().stream(messages, max_tokens=10, stop=[]))
        == "The articles do not mention this."
    )


def test_make_generator_picks_and_caches(tmp_path: Path) -> None:
    settings = Settings(generator="extractive", model_dir=tmp_path)
    assert isinstance(make_generator(settings), ExtractiveGenerator)
    with pytest.raises(InputError, match="unknown generator"):
        make_generator(Settings(generator="gpt-9", model_dir=tmp_path))


def test_missing_model_raises_or_falls_back(tmp_path: Path) -> None:
    settings = Settings(generator="llama-cpp", model_dir=tmp_path)
    with pytest.raises(ModelMissingError, match="rag models fetch"):
        make_generator(settings)
    assert make_generator(settings, fallback=True).name == "extractive"


# ---- the deadline ------------------------------------------------------------------------------


def _slow(delay: float) -> object:
    def produce(cancel: threading.Event) -> Iterator[str]:
        for piece in ("a", "b", "c"):
            if cancel.wait(delay):
                return
            yield piece

    return produce


@pytest.mark.parametrize(("delay", "timeout", "result"), [(0.0, 5.0, "abc"), (0.5, 0.2, "timeout")])
def test_stream_with_deadline(delay: float, timeout: float, result: str) -> None:
    stream = stream_with_deadline(_slow(delay), timeout, "fake")  # type: ignore[arg-type]
    if result == "timeout":
        with pytest.raises(GeneratorError, match="llm_timeout_s"):
            "".join(stream)
    else:
        assert "".join(stream) == result


def test_stream_errors_become_generator_errors() -> None:
    def produce(cancel: threading.Event) -> Iterator[str]:
        yield "a"
        raise RuntimeError("boom")

    with pytest.raises(GeneratorError, match="fake failed: RuntimeError: boom"):
        list(stream_with_deadline(produce, 5.0, "fake"))


def test_openai_unreachable_server_is_a_clear_error() -> None:
    from rag.generators.openai_compat import OpenAICompatGenerator

    port = _free_port()
    generator = OpenAICompatGenerator(f"http://127.0.0.1:{port}/v1", "m", timeout_s=5)
    with pytest.raises(GeneratorError, match="cannot reach"):
        list(generator.stream(_messages("Kapan?"), max_tokens=5, stop=[]))


# ---- real models (slow) ------------------------------------------------------------------------


def _check_real(generator: Generator) -> None:
    text = "".join(
        generator.stream(_messages("Berapa dana awal Australia untuk AVSTC?"), max_tokens=40, stop=["\n\n"])
    )
    assert "2,1" in text or "2.1" in text, text


@pytest.mark.slow
def test_llama_cpp_answers_and_reuses_the_loaded_model() -> None:
    settings = _real_settings()
    generator = make_generator(settings)
    _check_real(generator)
    assert make_generator(settings) is generator


@pytest.mark.slow
def test_llama_cpp_timeout_is_a_generator_error() -> None:
    from rag.generators.llama_cpp import LlamaCppGenerator
    from rag.models import model_path

    settings = _real_settings()
    generator = LlamaCppGenerator(model_path(settings, settings.llm_model), timeout_s=0.05)
    with pytest.raises(GeneratorError, match="llm_timeout_s"):
        list(generator.stream(_messages("Kapan AVSTC dibuka?"), max_tokens=50, stop=[]))


# A short fixed part keeps these tests fast; the mechanism is the same for the real ~1,000-token prefix.
_WARM = [{"role": "system", "content": "Jawab singkat dari sumber."}, {"role": "user", "content": "?"}]


def _small(state_dir: Path | None, draft_tokens: int = 5) -> Generator:
    from rag.generators.llama_cpp import LlamaCppGenerator
    from rag.models import model_path

    path = model_path(_real_settings(), "qwen2.5-coder-0.5b")
    return LlamaCppGenerator(path, timeout_s=600.0, state_dir=state_dir, draft_tokens=draft_tokens)


def _reply(
    generator: Generator,
    question: str = "Berapa dana awal untuk AVSTC?",
    max_tokens: int = 20,
    stop: str = "\n\n",
) -> str:
    messages = [_WARM[0], {"role": "user", "content": f"{TEXT}\n\n{question}"}]
    return "".join(generator.stream(messages, max_tokens=max_tokens, stop=[stop]))


@pytest.mark.slow
def test_llama_cpp_speculative_decoding_answers_and_leaves_a_clean_cache() -> None:
    plain, speculative, untemplated = _small(None, draft_tokens=0), _small(None), _small(None)
    untemplated._formatter = None  # type: ignore[attr-defined]  # a GGUF without a chat template
    for generator in (plain, speculative, untemplated):
        reply = _reply(generator)
        assert "2,1" in reply or "2.1" in reply, reply
    # Drafts the model rejected were evaluated too: they must not leak into the next answer.
    first = _reply(speculative, "Kapan AVSTC dibuka?", max_tokens=40)
    assert "11 Juni" in first, first
    _reply(speculative, "Siapa yang menyediakan peralatan teknis?", max_tokens=40)
    assert _reply(speculative, "Kapan AVSTC dibuka?", max_tokens=40) == first


@pytest.mark.slow
def test_llama_cpp_evaluates_every_question_from_the_warm_prefix_alone() -> None:
    from rag.generators.llama_cpp import _common_prefix

    generator: Any = _small(None)
    generator.warm(_WARM)
    evaluated: list[int] = []
    real_eval = generator._llm.eval
    generator._llm.eval = lambda tokens: (evaluated.append(len(tokens)), real_eval(tokens))[1]
    _reply(generator, "Berapa dana awal untuk AVSTC?")
    # The next question shares the passages with this one, but they are computed again after the warm
    # prefix, so that its answer is the same whatever was asked before it.
    prompt = generator._prompt_tokens(
        [_WARM[0], {"role": "user", "content": f"{TEXT}\n\nKapan AVSTC dibuka?"}]
    )
    _reply(generator, "Kapan AVSTC dibuka?")
    assert evaluated[-1] == len(prompt) - _common_prefix(generator._warmed, prompt)
    assert evaluated[-1] > generator.count_tokens(TEXT)


@pytest.mark.slow
def test_llama_cpp_speculative_decoding_honours_stop_strings_and_max_tokens() -> None:
    generator = _small(None)

    def fresh(**kwargs: Any) -> str:  # the whole prompt evaluated again: the same arithmetic each time
        generator._llm.reset()  # type: ignore[attr-defined]
        return _reply(generator, **kwargs)

    full = fresh(max_tokens=60)
    assert "2,1" in full, full
    cut = fresh(max_tokens=60, stop=",")
    assert cut and "," not in cut and full.startswith(cut), (cut, full)
    short = fresh(max_tokens=3)
    assert short and full.startswith(short), (short, full)
    assert generator.count_tokens(short) <= 3, short  # type: ignore[attr-defined]


@pytest.mark.slow
def test_llama_cpp_saves_the_warm_prefix_and_a_new_process_loads_it(tmp_path: Path) -> None:
    first = _small(tmp_path)
    assert first.warm(_WARM) == "computed and saved"  # type: ignore[attr-defined]
    saved = list(tmp_path.glob("*.kv"))
    assert len(saved) == 1 and saved[0].stat().st_size > 100_000
    expected = _reply(first)
    assert "2,1" in expected or "2.1" in expected, expected

    second = _small(tmp_path)  # a fresh context, as in the next start of the app
    assert second.warm(_WARM) == "loaded"  # type: ignore[attr-defined]
    assert second._llm.n_tokens > 5  # type: ignore[attr-defined]
    assert _reply(second) == expected

    other = [_WARM[0], {"role": "user", "content": "??"}]  # a changed prompt gets its own state ...
    assert _small(tmp_path).warm(other) == "computed and saved"  # type: ignore[attr-defined]
    assert [p.name for p in tmp_path.glob("*.kv")] != [saved[0].name]  # ... and replaces the old one
    assert len(list(tmp_path.glob("*.kv"))) == 1


@pytest.mark.slow
def test_llama_cpp_recomputes_a_damaged_prefix_state(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert _small(tmp_path).warm(_WARM) == "computed and saved"  # type: ignore[attr-defined]
    (saved,) = tmp_path.glob("*.kv")
    saved.write_bytes(saved.read_bytes()[:5000])  # a copy cut short
    generator = _small(tmp_path)
    assert generator.warm(_WARM) == "computed and saved"  # type: ignore[attr-defined]
    assert "cannot read the saved prompt state" in caplog.text
    reply = _reply(generator)
    assert "2,1" in reply or "2.1" in reply, reply
    assert _small(None).warm(_WARM) == "computed"  # type: ignore[attr-defined]  # no folder: nothing saved


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def llama_server(tmp_path: Path) -> Iterator[str]:
    """A real `python -m llama_cpp.server` on a free local port, stopped after the test."""
    from rag.models import model_path

    model = model_path(_real_settings(), "qwen2.5-coder-1.5b")
    port = _free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
           "--port", str(port), "--n_threads", "2", "--n_ctx", "2048", "--model_alias", "local"]  # fmt: skip
    log = tmp_path / "server.log"  # a file, not a pipe: an unread pipe fills up and blocks the server
    with log.open("w") as sink:
        server = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
        try:
            _wait_for_port(server, port, log)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_for_port(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {log.read_text()[-500:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail(f"llama_cpp.server did not listen within 180 s: {log.read_text()[-500:]}")


@pytest.mark.slow
def test_openai_backend_against_a_real_llama_cpp_server(llama_server: str) -> None:
    from rag.generators.openai_compat import OpenAICompatGenerator

    _check_real(OpenAICompatGenerator(llama_server, "local", timeout_s=600))


@pytest.mark.slow
def test_transformers_backend_on_a_local_gguf() -> None:
    pytest.importorskip("gguf", reason="pip install gguf==0.19.0")
    from rag.generators.transformers_backend import TransformersGenerator
    from rag.models import model_path

    path = model_path(_real_settings(), "qwen2.5-coder-0.5b")
    generator = TransformersGenerator(path, timeout_s=600)
    text = "".join(
        generator.stream(
            _messages("Perusahaan mana yang menyediakan peralatan teknis?"), max_tokens=12, stop=["\n\n"]
        )
    )
    assert "Nokia" in text, text


@pytest.mark.slow
def test_llama_cpp_warns_when_its_build_has_the_amx_kernels(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import llama_cpp

    real = llama_cpp.llama_print_system_info()
    assert b"AMX_INT8 = 1" not in real  # make setup builds without them (they crashed here)
    monkeypatch.setattr(llama_cpp, "llama_print_system_info", lambda: real + b"AMX_INT8 = 1 | ")
    _small(None)
    assert "AMX kernels" in caplog.text and "make setup" in caplog.text
