"""Prompt-lookup drafts and stop strings of the llama.cpp generator's speculative decoding."""

from __future__ import annotations

import pytest

from rag.generators.prompt_lookup import StopText, accepted, draft


@pytest.mark.parametrize(
    ("tokens", "size", "expected"),
    [
        # the last three tokens (7 8 9) occurred before: what followed them
        ([1, 7, 8, 9, 4, 5, 6, 2, 7, 8, 9], 3, [4, 5, 6]),
        # cut to the requested size
        ([1, 7, 8, 9, 4, 5, 6, 2, 7, 8, 9], 2, [4, 5]),
        # near the end of the sequence fewer tokens follow
        ([7, 8, 9, 4, 7, 8, 9], 5, [4, 7, 8, 9]),
        # a longer match beats a shorter, later one: 8 9 matched earlier, 9 alone later
        ([8, 9, 1, 2, 3, 9, 5, 8, 9], 2, [1, 2]),
        # among equally long matches the latest wins
        ([5, 9, 1, 5, 9, 2, 3, 5, 9], 1, [2]),
        # only the last token matches
        ([4, 6, 3, 3, 0, 4], 2, [6, 3]),
        # no earlier occurrence, too short, or nothing asked for
        ([1, 2, 3, 4], 3, []),
        ([1], 3, []),
        ([], 3, []),
        ([1, 2, 1, 2], 0, []),
    ],
)
def test_draft(tokens: list[int], size: int, expected: list[int]) -> None:
    assert draft(tokens, size) == expected


def test_draft_longest_ngram_is_configurable() -> None:
    tokens = [1, 2, 3, 10, 9, 2, 3, 11, 1, 2, 3]
    assert draft(tokens, 1, max_ngram=3) == [10]  # 1 2 3 occurred at the start
    assert draft(tokens, 1, max_ngram=2) == [11]  # 2 3 occurred last before the end


@pytest.mark.parametrize(
    ("guess", "predicted", "expected"),
    [
        ([4, 5, 6], [4, 5, 6, 7], 3),  # every draft confirmed, plus the model's next token
        ([4, 5, 6], [4, 9, 6, 7], 1),  # the second draft differs: stop there
        ([4, 5, 6], [8, 5, 6, 7], 0),
        ([], [3], 0),
        ([4, 0, 6], [4, 0, 6, 7], 1),  # 0 ends generation: never accepted from a draft
    ],
)
def test_accepted(guess: list[int], predicted: list[int], expected: int) -> None:
    assert accepted(guess, predicted, lambda t: t == 0) == expected


def feed_all(stream: StopText, parts: list[bytes]) -> str:
    shown = "".join(stream.feed(p) for p in parts if not stream.stopped)
    return shown + stream.finish()


def test_stop_text_passes_text_through() -> None:
    assert feed_all(StopText(["\n\n"]), [b"Hanoi ", b"[1]."]) == "Hanoi [1]."


def test_stop_text_cuts_at_a_stop_string_split_over_pieces() -> None:
    stream = StopText(["\n\n", "Question:"])
    assert stream.feed(b"Jawab [1].\n") == "Jawab [1]."  # the newline may begin a stop string
    assert stream.feed(b"\nQuestion: x") == ""
    assert stream.stopped
    assert stream.finish() == ""


def test_stop_text_releases_held_text_that_did_not_stop() -> None:
    stream = StopText(["Question:"])
    assert stream.feed(b"A Ques") == "A "
    assert stream.feed(b"t") == ""  # still a possible start of "Question:"
    assert stream.feed(b"ions") == "Questions"
    assert stream.finish() == ""


def test_stop_text_keeps_held_text_at_the_end() -> None:
    stream = StopText(["\n\n"])
    assert stream.feed(b"Ya.\n") == "Ya."
    assert stream.finish() == "\n"


def test_stop_text_joins_utf8_split_between_tokens() -> None:
    data = "Bộ trưởng Nguyễn".encode()
    assert feed_all(StopText([]), [data[:2], data[2:3], data[3:]]) == "Bộ trưởng Nguyễn"


def test_stop_text_earliest_stop_string_wins() -> None:
    stream = StopText(["Sources:", "\n\n"])
    assert stream.feed(b"Hasil [1].\n\nSources: [1]") == "Hasil [1]."
