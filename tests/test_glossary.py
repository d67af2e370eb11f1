"""English and Vietnamese question words to the articles' Indonesian words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from rag import glossary
from rag.glossary import glossary_matches, indonesian_terms, parse_glossary, phrases_found
from rag.language import content_terms

ROOT = Path(__file__).resolve().parents[1]

SMALL = """# a comment, then entries
bộ khoa học và công nghệ\tKementerian Sains dan Teknologi
khoa học\tsains ilmu
đại sứ\tDuta Besar
năm\ttahun
ambassador\tDuta Besar
ambassador\tDubes
ministry\tKementerian
"""


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(glossary, "_entries", lambda: parse_glossary(SMALL))
    glossary_matches.cache_clear()  # answers are cached by question: none from the real glossary
    yield
    glossary_matches.cache_clear()


@pytest.mark.parametrize(
    ("question", "lang", "expected"),
    [
        # the longer phrase uses up its words: "khoa học" inside it adds nothing
        ("Bộ Khoa học và Công nghệ làm gì?", "vi", "Kementerian Sains dan Teknologi"),
        ("Khoa học ở Việt Nam?", "vi", "sains ilmu"),
        # typed without diacritics: a phrase of several syllables is still found ...
        ("Bo khoa hoc va cong nghe lam gi?", "vi", "Kementerian Sains dan Teknologi"),
        # ... but a single bare syllable is too often another word ("Nam" is not "năm", year)
        ("Ông Nam là ai?", "vi", ""),
        ("Năm nào?", "vi", "tahun"),
        ("Đại sứ là ai?", "vi", "Duta Besar"),
        # entries of the same phrase are merged; English matches whole words only
        ("Who is the EU Ambassador?", "en", "Duta Besar Dubes"),
        ("Who are the ambassadors?", "en", "Duta Besar Dubes"),
        ("Who are the ambassadorial staff?", "en", ""),
        ("Which ministries?", "en", "Kementerian"),
        # Indonesian questions already share the articles' words
        ("Siapa Duta Besar Korea?", "id", ""),
    ],
)
def test_question_phrases_become_the_articles_words(
    small: None, question: str, lang: str, expected: str
) -> None:
    assert indonesian_terms(question, lang) == expected


@pytest.mark.parametrize(
    ("question", "lang", "windows", "expected"),
    [
        # each phrase counts once, found through any of its Indonesian words
        ("Who is the EU ambassador at the ministry?", "en", ["Dubes UE berkunjung ke Kementerian."], (2, 2)),
        ("Who is the EU ambassador at the ministry?", "en", ["Duta Besar UE hadir."], (1, 2)),
        ("Who is the EU ambassador at the ministry?", "en", ["Pertemuan di Hanoi."], (0, 2)),
        ("Đại sứ khoa học?", "vi", ["Duta Besar bidang sains."], (2, 2)),
        # "năm" gives only "tahun", a function word: there is nothing to look for
        ("Đại sứ năm nào?", "vi", ["Pertemuan tahun 2025."], (0, 1)),
        # no glossary phrase, nothing asked: Indonesian questions, or no sentence cited
        ("Siapa Duta Besar Korea?", "id", ["Duta Besar Korea."], (0, 0)),
        ("Who is the ambassador?", "en", [], (0, 1)),
    ],
)
def test_how_many_of_the_questions_phrases_the_cited_sentences_hold(
    small: None, question: str, lang: str, windows: list[str], expected: tuple[int, int]
) -> None:
    assert phrases_found(question, lang, windows) == expected


@pytest.mark.parametrize("line", ["no tab here", "\tonly a target", "phrase\t", "a\tb\tc"])
def test_a_malformed_line_is_named(line: str) -> None:
    with pytest.raises(ValueError, match="line 2: expected 'phrase<TAB>Indonesian words'"):
        parse_glossary(f"# header\n{line}\n")


def test_the_bundled_glossary_covers_both_languages_in_the_articles_words() -> None:
    text = resources.files("rag").joinpath(glossary.GLOSSARY_FILE).read_text(encoding="utf-8")
    entries = parse_glossary(text)
    assert len(entries) >= 200
    articles = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "corpus").glob("*.txt"))
    article_terms = content_terms(articles)
    # every entry gives at least one word that the articles use (a typo or an unused word helps no one)
    unused = [p.pattern for p, _, target in entries if not content_terms(target) & article_terms]
    assert unused == []
    assert indonesian_terms("Who is the Korean ambassador to Vietnam?", "en")
    assert "Duta Besar" in indonesian_terms("Ai là Đại sứ Hàn Quốc tại Việt Nam?", "vi")
    assert re.search(r"\bKementerian\b", indonesian_terms("Bộ Khoa học và Công nghệ", "vi"))


@pytest.mark.parametrize("dash", ["-", "\u2013", "\u2014", "\u2212"])
def test_en_and_em_dashes_match_a_hyphenated_phrase(dash: str) -> None:
    question = f"Hội nghị khu vực châu Á {dash} Thái Bình Dương về Quyền trẻ em"
    assert ("châu á - thái bình dương", "Asia-Pasifik") in glossary_matches(question, "vi")
    assert ("asia-pacific", "Asia-Pasifik") in glossary_matches(f"the Asia{dash}Pacific meeting", "en")
