"""Load articles from a folder and clean away the web page around them."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from pathlib import Path

from rag.errors import CorpusError
from rag.types import Document

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")
# A news article is a few dozen kB; a file of megabytes is a dump or a mistake, not an article.
MAX_FILE_BYTES = 5_000_000

# Lines that start the page's footer: everything after them is comments, related articles and menus.
FOOTER_RE = re.compile(
    r"^(komentar\s*\(\d+\)|dalam topik yang sama|dalam kategori yang sama|dari penulis yang sama"
    r"|berita terkait|baca juga|artikel terkait)\s*$",
    re.IGNORECASE,
)
SOURCE_RE = re.compile(r"^\s*sumber\s*:\s*(https?://\S+)\s*$", re.IGNORECASE)
IMAGE_RE = re.compile(r"^\s*!\[.*\]\(\S*\)\s*$")
NO_DATA_RE = re.compile(r"^\s*no data\s*$", re.IGNORECASE)
# Site banners such as "Vietnam.vn - Nền tảng quảng bá Việt Nam".
BANNER_RE = re.compile(r"^\s*[\w.-]+\.(vn|com|net|org)\s+-\s+.{0,80}$", re.IGNORECASE)
# Bylines such as "Báo Pháp Luật Việt NamBáo Pháp Luật Việt Nam16/11/2025": a date glued to a name.
BYLINE_DATE_RE = re.compile(r"^.{0,120}?(\d{1,2})/(\d{1,2})/(20\d\d)\s*$")
# Dates inside article URLs: mst.gov.vn ids start "197" + yymmdd, others carry yyyymmdd + time.
URL_DATE_RES = (
    re.compile(r"-197(\d\d)(\d\d)(\d\d)\d{6,}\.htm"),
    re.compile(r"/(20\d\d)(\d\d)(\d\d)\d{6,}"),
)
MD_HEADING_RE = re.compile(r"^#{1,6}\s+")
# Saved web pages: script and style blocks are dropped whole, other tags are removed, entities decoded.
# The text is only ever indexed and shown as plain text.
HTML_BLOCK_RE = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
HTML_BREAK_RE = re.compile(r"<(br|/p|/div|/h[1-6]|/li|/tr)\b[^>]*>", re.IGNORECASE)
HTML_TAG_RE = re.compile(r"<!--.*?-->|</?[A-Za-z][^>]*>", re.DOTALL)
TITLE_MAX_WORDS = 20


def _iso_date(year: str, month: str, day: str) -> str:
    """Return YYYY-MM-DD, or "" when the parts do not form a plausible date."""
    y, m, d = int(year if len(year) == 4 else "20" + year), int(month), int(day)
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= m <= 12 and 1 <= d <= 31 else ""


def _date_from_url(url: str) -> str:
    """Read a publication date from an article URL, where the site puts one."""
    for pattern in URL_DATE_RES:
        match = pattern.search(url)
        if match and (date := _iso_date(*match.groups())):
            return date
    return ""


def _strip_page(lines: list[str]) -> tuple[list[str], str, str]:
    """Drop footer, images, banners and repeats; return kept lines, source URL and byline date."""
    kept: list[str] = []
    seen: set[str] = set()
    url = date = ""
    for raw in lines:
        line = " ".join(raw.split())
        if FOOTER_RE.match(line):
            break
        if source := SOURCE_RE.match(line):
            url = url or source.group(1)
            continue
        if byline := BYLINE_DATE_RE.match(line):
            date = date or _iso_date(byline.group(3), byline.group(2), byline.group(1))
            continue
        if not line or IMAGE_RE.match(line) or NO_DATA_RE.match(line) or BANNER_RE.match(line):
            continue
        line = MD_HEADING_RE.sub("", line)
        if line.lower() in seen:
            continue
        seen.add(line.lower())
        kept.append(line)
    return kept, url, date


def _title(lines: list[str]) -> str:
    """The first line when it reads as a headline: short, no closing punctuation, text after it."""
    if len(lines) < 2:
        return ""
    first = lines[0]
    if len(first.split()) <= TITLE_MAX_WORDS and not first.endswith((".", "!", "?", ":", '"', "”", ";", ",")):
        return first
    return ""


def strip_html(raw: str) -> str:
    """Plain text of a text that contains HTML markup (unchanged when it has none)."""
    if not HTML_TAG_RE.search(raw):
        return raw
    text = HTML_BLOCK_RE.sub(" ", raw)
    text = HTML_BREAK_RE.sub("\n", text)
    return html.unescape(HTML_TAG_RE.sub(" ", text))


def clean_article(raw: str, doc_id: str, path: str = "") -> Document:
    """Turn a saved web page into a Document with cleaned text and its metadata."""
    raw = strip_html(raw)
    lines, url, date = _strip_page(raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    text = "\n".join(lines)
    return Document(
        doc_id=doc_id,
        text=text,
        title=_title(lines),
        source_url=url,
        date=date or _date_from_url(url),
        path=path,
        content_hash=hashlib.sha256(f"{url}\n{text}".encode()).hexdigest(),
    )


def read_article(path: Path) -> Document | None:
    """Read and clean one file; None (with a warning naming it) when it can't be used."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            log.warning("skipped %s: %d bytes is over the %d-byte limit", path.name, size, MAX_FILE_BYTES)
            return None
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        log.warning("skipped %s: not UTF-8 text", path.name)
        return None
    except OSError as exc:
        log.warning("skipped %s: %s", path.name, exc.strerror or exc)
        return None
    if "\x00" in raw:
        log.warning("skipped %s: binary content", path.name)
        return None
    doc = clean_article(raw, doc_id=path.stem, path=str(path))
    if not doc.text.strip():
        log.warning("skipped %s: no article text", path.name)
        return None
    return doc


def load_corpus(folder: Path) -> list[Document]:
    """Load every .txt/.md article of a folder, sorted by id; raise CorpusError if there is none."""
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder} (set RAG_CORPUS_DIR or corpus_dir in rag.toml)")
    paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    docs: dict[str, Document] = {}
    for path in paths:
        if path.stem in docs:
            log.warning("skipped %s: another file already has the id '%s'", path.name, path.stem)
        elif (doc := read_article(path)) is not None:
            docs[doc.doc_id] = doc
    if not docs:
        raise CorpusError(f"no usable .txt or .md articles in {folder}")
    return list(docs.values())
