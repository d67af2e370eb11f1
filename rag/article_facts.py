"""Questions about an article itself, not its content: when it was published, and on which site.

"Kapan artikel PLVN itu terbit?", "berita ttg qualcomm ... dimuat situs apa?", "Bài báo này đăng ngày
nào?": the answer is in the article's metadata (the date read from its byline or URL, its source URL),
which the model never sees. They are answered from the metadata of the best retrieved article, citing
its best passage, without the generator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from rag.citations import names_in, window_coverage
from rag.language import fold, split_sentences
from rag.types import Citation, Hit

# The question must speak of an article ("artikel(nya)", "berita", "article", "story", "bài báo") ...
_ARTICLE_RE = re.compile(
    r"\b(?:(?:artikel|berita|tulisan|liputan|laporan)(?:nya)?|article|articles|story|news|piece|report"
    r"|bài báo|bài viết|tin tức|bản tin|tin bài)\b",
    re.IGNORECASE,
)
# ... and ask when it came out ...
_ASKS_PUBLISHED_RE = re.compile(
    r"\b(?:kapan|tanggal berapa|tgl berapa|tanggal)\b.{0,100}\b(?:diterbitkan|terbit|dimuat|dipublikasikan"
    r"|diunggah|dirilis|ditulis|tayang|diposting|rilis)\b"
    r"|\b(?:diterbitkan|terbit|dimuat|dipublikasikan|diunggah|dirilis|ditulis|tayang|diposting)\b.{0,30}"
    r"\b(?:kapan|tanggal berapa|tgl berapa|pada tanggal)\b|\btanggal (?:terbit|rilis|publikasi|tayang)\b"
    r"|\bwhen\b.{0,100}\b(?:published|posted|written|released|come out|came out|run|appear|appeared)\b"
    r"|\b(?:publication|publishing|release) date\b|\bdate of publication\b"
    r"|\b(?:what|which) (?:date|day)\b.{0,80}\b(?:published|posted|released|appeared)\b"
    r"|\b(?:đăng|đăng tải|xuất bản|phát hành|công bố)\b.{0,40}\b(?:khi nào|ngày nào|lúc nào|bao giờ"
    r"|ngày bao nhiêu|hôm nào)"
    r"|\b(?:khi nào|ngày nào|bao giờ|hôm nào)\b.{0,80}\b(?:được đăng|đăng|xuất bản|đăng tải|phát hành)\b"
    r"|\bngày (?:đăng|xuất bản)\b",
    re.IGNORECASE,
)
# ... or where ("dimuat situs apa", "which website", "link-nya", "đăng trên báo nào").
_ASKS_SOURCE_RE = re.compile(
    r"\b(?:situs|website|web|media|portal|laman|koran|surat kabar|sumber(?:nya)?|outlet)\s+(?:apa|mana)\b"
    r"|\bdari (?:situs|media|portal|laman|koran)\b|\b(?:link|tautan|url)(?:nya)?\b"
    r"|\b(?:which|what) (?:website|site|web site|outlet|news outlet|newspaper|paper|publication|media"
    r"|news site|source)\b|\bwhere\b.{0,60}\b(?:published|posted|appeared)\b"
    r"|\b(?:link|url|source) (?:of|to|for)\b"
    r"|(?<!bài )\b(?:báo|trang|trang web|website|nguồn|tờ báo)\s+(?:nào|gì)\b"
    r"|\bnguồn (?:tin|bài)\b.{0,40}\bđâu\b"
    r"|\b(?:link|đường dẫn)\b",
    re.IGNORECASE,
)
# A law or decree is published too: "Menurut berita itu, kapan peraturannya diterbitkan?" asks about
# the decree, unless it is only the article's topic ("artikel tentang Resolusi 57").
_INSTRUMENT_RE = re.compile(
    r"(?<!tentang )(?<!mengenai )(?<!soal )(?<!about )(?<!on )(?<!về )(?<!pháp )\b(?:peraturan|keputusan"
    r"|resolusi|undang-undang|uu|dekrit|surat edaran|decree|law|resolution|regulation|nghị quyết|nghị định"
    r"|luật|quyết định)(?:nya)?\b",
    re.IGNORECASE,
)
# Words of such a question that are about the article, not its topic: left out of the topic check.
_META_WORD_LIST = """artikel berita tulisan liputan laporan kapan tanggal tgl berapa diterbitkan terbit dimuat
dipublikasikan diunggah dirilis ditulis tayang diposting rilis publikasi situs website web media portal laman
koran surat kabar sumber sumbernya apa mana dari link tautan url aslinya asli ini itu tentang soal mengenai
ttg catatan kaki cantumkan cantumin mau aku saya ya sih"""
_META_WORDS = frozenset(_META_WORD_LIST.split())
_MONTH_WORDS = {
    "id": "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember",
    "en": "January February March April May June July August September October November December",
}
_MONTHS = {lang: words.split() for lang, words in _MONTH_WORDS.items()}
_PUBLISHED = {
    "id": "Artikel ini terbit pada {date} di {site} [1].",
    "en": "The article was published on {date} on {site} [1].",
    "vi": "Bài báo được đăng ngày {date} trên {site} [1].",
}
_SOURCE = {
    "id": "Artikel ini dimuat di {site} ({url}) [1].",
    "en": "The article was published on {site} ({url}) [1].",
    "vi": "Bài báo được đăng trên {site} ({url}) [1].",
}
# Least share of the topic words of an Indonesian question found in the article.
MIN_TOPIC_COVERAGE = 0.5


def asks_about_article(question: str) -> str | None:
    """ "date" or "source" for a question about when or where an article was published, else None."""
    if not _ARTICLE_RE.search(question) or _INSTRUMENT_RE.search(question):
        return None
    if _ASKS_PUBLISHED_RE.search(question):
        return "date"
    if _ASKS_SOURCE_RE.search(question):
        return "source"
    return None


def format_date(iso: str, lang: str) -> str:
    """16 November 2025 (Indonesian, English) or 16/11/2025 (Vietnamese) from 2025-11-16."""
    year, month, day = (int(part) for part in iso.split("-"))
    if lang == "vi":
        return f"{day}/{month}/{year}"
    return f"{day} {_MONTHS.get(lang, _MONTHS['id'])[month - 1]} {year}"


def site_of(url: str) -> str:
    """The site's name as its address gives it: "baophapluat.vn" of "https://baophapluat.vn/..."."""
    host = urlparse(url).netloc.lower()
    return host.removeprefix("www.")


def about_article(
    question: str, lang: str, hit: Hit, document: Mapping[str, Any], article: str
) -> tuple[str, Citation] | None:
    """The answer to a question about the article of `hit` with its citation, or None.

    None when the question asks nothing of the kind, the metadata lacks the fact, or the article is not
    the one asked about: a name in the question the article (or its address) does not have (for an
    English or Vietnamese question, more than half of them), or, for an Indonesian question, too few of
    its topic words in the article.
    """
    kind = asks_about_article(question)
    url = str(document.get("source_url") or hit.chunk.source_url or "")
    date = str(document.get("date") or "")
    if kind is None or not url or (kind == "date" and not date):
        return None
    words = {fold(w) for w in re.findall(r"\w+", article)}
    address = fold(url)
    # abbreviations ("KH&CN", "UE") are written differently by users and articles
    named = [n for n in names_in(question) if not n.isupper()]
    absent = [n for n in named if fold(n) not in words and fold(n) not in address]
    # an English or Vietnamese question has capitalised words of its own ("Bộ", "Ministry"): most of
    # its names, not all, must be the article's
    if absent and (lang == "id" or len(absent) * 2 > len(named)):
        return None
    if lang == "id":
        topic = " ".join(w for w in re.findall(r"[\w-]+", question) if fold(w) not in _META_WORDS)
        if window_coverage(topic, [article]) < MIN_TOPIC_COVERAGE:
            return None
    site = site_of(url)
    templates = _PUBLISHED if kind == "date" else _SOURCE
    text = templates.get(lang, templates["id"]).format(
        date=format_date(date, lang) if date else "", site=site, url=url
    )
    chunk = hit.chunk
    start, end = next(iter(split_sentences(chunk.text)), (0, len(chunk.text)))
    citation = Citation(
        n=1,
        doc_id=chunk.doc_id,
        chunk_id=chunk.chunk_id,
        source_url=chunk.source_url or url,
        quote=chunk.text[start:end],
        start=chunk.start + start,
        end=chunk.start + end,
        title=chunk.title,
    )
    return text, citation
