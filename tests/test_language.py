"""Language detection, sentence splitting and number reading."""

from __future__ import annotations

import pytest

from rag.language import (
    abstention_text,
    content_terms,
    detect_language,
    expand_informal,
    fold,
    number_mentions,
    same_meaning,
    split_sentences,
)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Kapan Qualcomm meluncurkan pusat AI di Vietnam?", "id"),
        ("Siapa dia?", "id"),
        ("Berapa dana awal Australia untuk AVSTC?", "id"),
        ("Nguyễn Mạnh Hùng mengatakan apa tentang AI?", "id"),  # Vietnamese name, Indonesian question
        ("When did Qualcomm open its AI centre?", "en"),
        ("And when?", "en"),
        ("Who is Nguyễn Mạnh Hùng?", "en"),
        ("Qualcomm mở trung tâm AI khi nào?", "vi"),
        ("Ai là Bộ trưởng?", "vi"),
        ("Việt Nam muốn gì?", "vi"),
        # Vietnamese typed without accents, as some users do
        ("bo KH&CN moi sau hop nhat thua huong chuc nang cua may bo truoc do vay?", "vi"),
        ("trung tam AVSTC khai truong ngay nao?", "vi"),
        # unaccented Vietnamese names in an Indonesian question, and a URL's words, decide nothing
        ("Siapa Bui The Duy dan Hoang Nam Tien?", "id"),
        ("Apa isi artikel https://mst.gov.vn/viet-nam-va-unicef-tang-cuong-hop-tac-ve-chuyen-doi-so?", "id"),
        ("AI?", "id"),  # nothing decides: the default
        ("", "id"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_detect_language_default_is_used_when_undecided() -> None:
    assert detect_language("NATIF?", default="en") == "en"


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Satu dua. Tiga empat!", ["Satu dua.", "Tiga empat!"]),
        ("Resolusi No. 57 berlaku. Lalu.", ["Resolusi No. 57 berlaku.", "Lalu."]),
        ("Dana AUD 2,1 juta. Nilai 4.000 publikasi.", ["Dana AUD 2,1 juta.", "Nilai 4.000 publikasi."]),
        ('"Kami siap," kata dia. Judul\nBaris baru', ['"Kami siap," kata dia.', "Judul", "Baris baru"]),
        ("  ", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == sentences


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("AUD 2,1 juta", [{2.1, 2_100_000}]),
        ("AUD 2.1 million", [{2.1, 2_100_000}]),
        ("2,1 triệu AUD", [{2.1, 2_100_000}]),
        ("4.000 publikasi", [{4000, 4.0}]),
        ("4,000 publications", [{4000, 4.0}]),
        ("100 miliar euro", [{100, 1e11}]),
        ("€100bn", [{100, 1e11}]),
        ("50%", [{50}]),
        ("periode 2021-2030", [{2021}, {2030}]),
        ("Resolusi 57-NQ/TW", [{57}]),
        ("G20", []),
    ],
)
def test_number_mentions(text: str, values: list[set[float]]) -> None:
    assert [set(v) for _, v in number_mentions(text)] == values


def test_number_words_and_months_are_read_in_passages_only_when_asked() -> None:
    assert {6.0} in [set(v) for _, v in number_mentions("10 Juni", with_words=True)]
    assert [set(v) for _, v in number_mentions("delapan proyek")] == []
    assert [set(v) for _, v in number_mentions("delapan proyek", with_words=True)] == [{8.0}]


def test_fold_and_abstention_text() -> None:
    assert fold("Nguyễn Đức") == "nguyen duc"
    assert abstention_text("en") == "The articles do not mention this."
    assert abstention_text("xx") == abstention_text("id")


@pytest.mark.parametrize(
    ("question", "read_as"),
    [
        (
            "desa2 yg belum ada listrik & internet itu ditargetkan beres kapan?",
            "desa-desa yang belum ada listrik dan internet itu ditargetkan beres kapan?",
        ),
        ("brp dana utk AVSTC?", "berapa dana untuk AVSTC?"),
        ("Knp Vietnam ikut?", "kenapa Vietnam ikut?"),
        # slang and abbreviations that would otherwise read as names no article has
        (
            "VN dan korsel bareng2 mau bikin apa?",
            "Vietnam dan Korea Selatan bersama-sama mau membuat apa?",
        ),
        ("Kata Dept. Hukum kayak gitu?", "Kata Departemen. Hukum seperti begitu?"),
        # the "-in" of chat verbs is the "-kan" of written ones
        ("sebutin materi yg dibawain hoang nam tien", "sebutkan materi yang dibawakan hoang nam tien"),
        (
            "keseimbangan yg dibutuhin AI dipasangin sama apa",
            "keseimbangan yang dibutuhkan AI dipasangkan sama apa",
        ),
        ("dana yg diumumin pas peluncurannya", "dana yang diumumkan pas peluncurannya"),
        ("pas ketemu wamen vu hai quan", "pas bertemu Wakil Menteri vu hai quan"),
        # a web address keeps its spelling; "VN-Laos" is still Vietnam
        (
            "artikel dari mst.gov.vn ttg seminar VN-Laos",
            "artikel dari mst.gov.vn tentang seminar Vietnam-Laos",
        ),
        ("Which articles come from mst.gov.vn?", "Which articles come from mst.gov.vn?"),
        # English keeps its words; "&" is read in the question's language
        ("Who funds R&D & training at AVSTC?", "Who funds R&D and training at AVSTC?"),
        # names and a Vietnamese question are left alone ("ga" is a Vietnamese word)
        ("Apa hasil KTT G20 di Hanoi?", "Apa hasil KTT G20 di Hanoi?"),
        ("Nhà ga nào được xây dựng?", "Nhà ga nào được xây dựng?"),
    ],
)
def test_chat_spellings_are_read_as_indonesian_words(question: str, read_as: str) -> None:
    assert expand_informal(question) == read_as


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        # chat fillers are not words the quoted sentences must hold
        ("NATIF nanti bantu bisnis di bagian apa saja?", {"natif", "bantu", "bisni", "bagi"}),
        ("Hambatan harus diapakan?", {"hambat"}),
    ],
)
def test_content_terms_skip_chat_fillers(question: str, terms: set[str]) -> None:
    assert content_terms(question) == terms


@pytest.mark.parametrize(
    ("question_word", "article_text", "same"),
    [
        ("pakai", "bisnis yang menerapkan teknologi AI", True),
        ("bantu", "dana untuk mendukung bisnis", True),
        ("kasih", "UNICEF memberikan dukungan teknis", True),
        ("pakai", "bisnis yang membangun teknologi AI", False),
        ("natif", "Dana Inovasi (NATIF)", True),  # any word means itself
    ],
)
def test_everyday_words_count_as_the_articles_formal_ones(
    question_word: str, article_text: str, same: bool
) -> None:
    (term,) = content_terms(question_word)
    assert bool(same_meaning(term) & content_terms(article_text)) is same
