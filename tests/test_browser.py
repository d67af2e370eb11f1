"""The app in a real headless Chromium: citations open highlighted passages, HTML stays text, bad input.

Needs Playwright for Python (pip) and Debian's Chromium (`apt-get install -y chromium`); never
`playwright install`. Screenshots go to tmp_path; one copy goes to out/screenshot-chat.png.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.feedback import FeedbackStore
from rag.settings import ROOT

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (see README)")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
GOLD_QUESTION = "Berapa dana awal yang disediakan Australia untuk AVSTC?"
GOLD_DOC = "002_b3112e32e3631ae7"
WAIT_MS = 120_000
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install -y chromium"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`python app.py` over a copy of the corpus, with the extractive generator (instant, deterministic)."""
    home = tmp_path_factory.mktemp("app")
    corpus, index = home / "corpus", home / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    if (ROOT / "index" / "manifest.json").is_file():
        shutil.copytree(ROOT / "index", index)
    (home / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "GRADIO_"))}
    env |= {
        "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(index), "RAG_GENERATOR": "extractive",
        "RAG_FEEDBACK_DB": str(home / "feedback.sqlite3"), "RAG_CONFIG": str(home / "none.toml"),
        "TMPDIR": str(home / "tmp"), "GRADIO_TEMP_DIR": str(home / "tmp" / "gradio"),
    }  # fmt: skip
    env |= {k: v for k, v in os.environ.items() if k in ("RAG_MODEL_DIR", "RAG_CACHE_DIR")}
    subprocess.run(
        [sys.executable, "-c", "from rag.cli import main; main()", "index"], env=env, cwd=home, check=True
    )
    port = free_port()
    with (home / "app.log").open("wb") as log:
        command = [sys.executable, str(ROOT / "app.py"), "--port", str(port)]
        proc = subprocess.Popen(command, env=env, cwd=home, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    try:
        yield {"url": url, "home": home, "index": index, "corpus": corpus, "db": home / "feedback.sqlite3"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium, with its profile and downloads in a temporary folder of the test run."""
    home = tmp_path_factory.mktemp("browser")
    # Chromium also writes under HOME (crash reports, dconf): that goes to the test's folder too.
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(home))
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env)
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser: Any, server: dict[str, Any], tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(server["url"])
    page.wait_for_selector("#rag-question textarea", timeout=WAIT_MS)
    yield page
    context.close()


def ask(page: Any, question: str) -> Any:
    """Type a question, send it, wait for the checked answer; return the last assistant message."""
    before = page.locator(".rag-answer, .rag-abstain, .rag-error").count()
    page.fill("#rag-question textarea", question)
    page.click("#rag-send")
    page.wait_for_function(
        "n => document.querySelectorAll('.rag-answer, .rag-abstain, .rag-error').length > n",
        arg=before,
        timeout=WAIT_MS,
    )
    return page.locator(".rag-answer, .rag-abstain, .rag-error").last


def chunk_texts(index: Path) -> dict[str, str]:
    """Every chunk of the index: normalised text -> chunk id."""
    texts = {}
    for path in index.glob("chunks-*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            chunk = json.loads(line)
            texts[" ".join(chunk["text"].split())] = chunk["chunk_id"]
    return texts


def test_a_citation_opens_its_passage_with_the_sentence_highlighted(
    page: Any, server: dict[str, Any], tmp_path: Path
) -> None:
    reply = ask(page, GOLD_QUESTION)
    assert "2,1 juta" in reply.locator(".rag-text").inner_text()
    source = reply.locator("details.rag-src").first
    assert source.get_attribute("open") is None  # closed until the citation is clicked
    reply.locator("a.rag-cite").first.click()
    page.wait_for_function("el => el.open", arg=source.element_handle(), timeout=5000)
    mark = source.locator("mark")
    assert mark.is_visible()
    passage = " ".join(source.locator("blockquote.rag-passage").inner_text().split())
    chunk_id = chunk_texts(server["index"]).get(passage)
    assert chunk_id is not None and chunk_id.startswith(GOLD_DOC + "#")  # the whole cited chunk is shown
    assert mark.inner_text().strip() and " ".join(mark.inner_text().split()) in passage
    assert "2,1 juta" in passage
    assert source.locator("a.rag-out").get_attribute("href").startswith("https://doanhnghiepvn.vn/")
    assert source.locator(".rag-src-title").inner_text().strip()
    page.locator(".rag-status:not(.loading)").wait_for(timeout=10_000)  # the status line polls every second
    page.screenshot(path=str(tmp_path / "screenshot-chat.png"))
    (ROOT / "out").mkdir(exist_ok=True)
    shutil.copy(tmp_path / "screenshot-chat.png", ROOT / "out" / "screenshot-chat.png")


def test_trace_panel_shows_scores_prompt_and_checks(page: Any) -> None:
    ask(page, GOLD_QUESTION)
    page.click("#rag-trace-box button")
    trace = page.locator("#rag-trace .rag-trace")
    trace.wait_for(timeout=5000)
    headers = trace.locator("th").all_inner_texts()
    assert {"Dense (cosinus)", "Kalimat terbaik (cosinus)", "BM25", "Gabungan (RRF)"} <= set(headers)
    assert "<system>" in trace.locator("pre").inner_text()
    assert trace.locator(".rag-check-pass").count() >= 1 and "002_b3112e32e3631ae7#" in trace.inner_text()


def test_abstention_follow_up_and_empty_message(page: Any) -> None:
    assert "rag-abstain" in ask(page, "Siapa presiden Prancis pada tahun 1990?").get_attribute("class")
    first = ask(page, "Siapa Duta Besar Korea untuk Vietnam?")
    assert "Choi Young Sam" in first.inner_text()
    ask(page, "Apa yang dia katakan tentang infrastruktur digital?")
    page.click("#rag-trace-box button")
    query = page.locator("#rag-trace dd code").first.inner_text()
    assert "Duta Besar Korea" in query  # the follow-up was searched with the question before it
    count = page.locator("#rag-chat .message").count()
    page.fill("#rag-question textarea", "   ")
    page.click("#rag-send")
    page.get_by_text("Tulis pertanyaan terlebih dahulu.").wait_for(timeout=10_000)
    assert page.locator("#rag-chat .message").count() == count


def test_interface_language_switches_to_english(page: Any) -> None:
    page.get_by_label("English").check()
    page.get_by_role("tab", name="Articles").wait_for(timeout=10_000)
    assert page.locator("#rag-send").inner_text().strip() == "Send"
    reply = ask(page, "Which US company opened a new AI R&D centre in Vietnam in June?")
    assert "Qualcomm" in reply.inner_text() and "SOURCES" in reply.inner_text().upper()
    page.get_by_role("button", name="Like", exact=True).last.click()
    page.get_by_text("Thank you, your rating is saved.").wait_for(timeout=10_000)
    with page.expect_download() as download:  # relabelling must not replace the button's file
        page.get_by_role("button", name="Download feedback (CSV)").click()
    assert "Qualcomm" in Path(download.value.path()).read_text(encoding="utf-8-sig")


def test_feedback_is_saved_with_its_comment_and_exported(page: Any, server: dict[str, Any]) -> None:
    ask(page, GOLD_QUESTION)
    page.get_by_role("button", name="Dislike", exact=True).last.click()
    page.fill("#rag-comment textarea", "Sebutkan juga <b>Nokia</b>")
    page.locator("#rag-comment-row button").click()
    page.get_by_text("Komentar disimpan.").wait_for(timeout=10_000)
    rows = FeedbackStore(server["db"]).rows()
    assert rows[-1]["rating"] == "dislike" and rows[-1]["comment"] == "Sebutkan juga <b>Nokia</b>"
    assert rows[-1]["question"] == GOLD_QUESTION and GOLD_DOC in rows[-1]["citations"]
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh umpan balik (CSV)").click()
    assert "Sebutkan juga <b>Nokia</b>" in Path(download.value.path()).read_text(encoding="utf-8-sig")


def test_article_html_is_shown_as_text(page: Any, server: dict[str, Any]) -> None:
    page.get_by_role("tab", name="Artikel").click()
    page.get_by_label("Judul atau nama file").fill("Laboratorium kuantum Da Nang")
    body = (
        "<p>Vietnam dan Finlandia membuka laboratorium kuantum di Da Nang dengan dana 7 juta euro. "
        "Kode &lt;script&gt;window.__pwned = 1&lt;/script&gt; dan "
        '&lt;img src=x onerror="window.__pwned = 2"&gt; '
        "dikutip sebagai contoh serangan.</p>"
    )
    page.get_by_label("Teks artikel").fill(body)
    page.get_by_role("button", name="Tambahkan ke indeks").click()
    page.locator("#rag-add-notice .rag-ok").wait_for(timeout=WAIT_MS)
    article = page.locator("#rag-article .rag-article")
    article.wait_for(timeout=10_000)
    assert "<script>window.__pwned = 1</script>" in article.inner_text()
    assert article.locator("img, script").count() == 0
    assert "Laboratorium kuantum Da Nang" in page.locator("#rag-articles").inner_text()
    page.get_by_role("tab", name="Tanya jawab").click()
    reply = ask(page, "Berapa dana laboratorium kuantum Vietnam dan Finlandia di Da Nang?")
    reply.locator("a.rag-cite").first.click()
    passage = reply.locator("details.rag-src[open] blockquote.rag-passage")
    assert "<script>window.__pwned = 1</script>" in passage.inner_text()
    assert page.locator("#rag-chat img[src='x'], #rag-chat script").count() == 0
    assert page.evaluate("window.__pwned") is None


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("laporan.pdf", b"%PDF-1.4 not an article", "Invalid file type"),  # refused by the upload itself
        ("latin.txt", "Berita café Hanoi. ".encode("latin-1") * 20, "not UTF-8"),
        ("besar.txt", b"kata " * 600_000, "limit"),  # 3 MB: over max_upload_bytes, under Gradio's own limit
    ],
)
def test_a_bad_upload_shows_a_message_and_indexes_nothing(
    page: Any, server: dict[str, Any], tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    before = sorted(p.name for p in server["corpus"].iterdir())
    path = tmp_path / name
    path.write_bytes(data)
    page.get_by_role("tab", name="Artikel").click()
    page.locator("#rag-articles table").wait_for(timeout=10_000)
    page.locator("input[type=file]").first.set_input_files(str(path))
    page.wait_for_timeout(1500)  # the upload
    page.get_by_role("button", name="Tambahkan ke indeks").click()
    page.get_by_text(message).first.wait_for(timeout=WAIT_MS)
    assert sorted(p.name for p in server["corpus"].iterdir()) == before


def test_eval_tab_runs_an_uploaded_set_with_progress_and_downloads(page: Any, tmp_path: Path) -> None:
    lines = [
        line for line in (ROOT / "evals" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line
    ][:3]
    dataset = tmp_path / "mini.jsonl"
    dataset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.get_by_role("tab", name="Evaluasi").click()
    page.get_by_label("Unggah JSONL (skema yang sama)").check()
    page.locator("input[type=file]").last.set_input_files(str(dataset))
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Jalankan evaluasi").click()
    page.locator("#rag-eval-summary table").wait_for(timeout=WAIT_MS)
    summary = page.locator("#rag-eval-summary").inner_text()
    assert "3 pertanyaan" in summary and "doc_recall@1" in summary and "lexical" in summary
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh report.html").click()
    assert "Eval report" in Path(download.value.path()).read_text(encoding="utf-8")
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh questions.jsonl").click()
    assert len(Path(download.value.path()).read_text(encoding="utf-8").splitlines()) == 3
