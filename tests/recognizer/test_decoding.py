"""Pure CTC decoding: greedy words/spans/confidences, Viterbi alignment, beam search with KenLM."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.decoding import (
    BeamDecoder,
    BeamSearchOptions,
    LanguageModelFiles,
    Vocabulary,
    alignment_confidence,
    best_alignment,
    greedy_decode,
)

CHARS = Vocabulary((" ", *"abcdefghijklmnopqrstuvwxyz", "'"))
BLANK = "_"


def frames_for(path: str, vocabulary: Vocabulary = CHARS, certainty: float | list[float] = 0.9) -> np.ndarray:
    """Log-probs whose best path spells `path` (one character per frame, `_` = blank)."""
    size = vocabulary.blank_id + 1
    certainties = [certainty] * len(path) if isinstance(certainty, float) else certainty
    probs = np.empty((len(path), size))
    for frame, (char, p) in enumerate(zip(path, certainties, strict=True)):
        token = vocabulary.blank_id if char == BLANK else vocabulary.tokens.index(char)
        probs[frame] = (1 - p) / (size - 1)
        probs[frame, token] = p
    return np.log(probs).astype(np.float32)


def test_greedy_collapses_repeats_drops_blanks_and_splits_words_on_spaces() -> None:
    decoded = greedy_decode(frames_for("_hhe_l_lo__ wwo_rld_"), CHARS)
    assert decoded.text == "hello world"
    assert [(w.word, w.start_frame, w.end_frame) for w in decoded.words] == [
        ("hello", 1, 9), ("world", 12, 19),
    ]


def test_a_repeated_letter_needs_a_blank_between() -> None:
    assert greedy_decode(frames_for("hel_lo"), CHARS).text == "hello"
    assert greedy_decode(frames_for("hello"), CHARS).text == "helo"


def test_leading_trailing_and_double_spaces_make_no_empty_words() -> None:
    assert greedy_decode(frames_for("  a  b  "), CHARS).text == "a b"
    assert greedy_decode(frames_for("____"), CHARS).words == ()


def test_greedy_confidence_is_the_geometric_mean_of_emitting_frames_only() -> None:
    # frames: o(0.9) _(0.2: blank, ignored) n(0.4) n(0.8)
    decoded = greedy_decode(frames_for("o_nn", certainty=[0.9, 0.2, 0.4, 0.8]), CHARS)
    assert decoded.words[0].word == "on"
    assert decoded.words[0].confidence == pytest.approx((0.9 * 0.4 * 0.8) ** (1 / 3), rel=1e-5)


def test_subword_pieces_start_words_at_the_word_start_mark() -> None:
    pieces = Vocabulary(("<unk>", "▁he", "llo", "▁wor", "ld", "▁"), subword=True)
    path = [1, 1, pieces.blank_id, 2, 3, 4, 4]
    log_probs = np.log(np.full((len(path), pieces.blank_id + 1), 0.02))
    log_probs[np.arange(len(path)), path] = np.log(0.9)
    decoded = greedy_decode(log_probs, pieces)
    assert decoded.text == "hello world"
    assert [(w.start_frame, w.end_frame) for w in decoded.words] == [(0, 4), (4, 7)]


def test_viterbi_alignment_inside_a_greedy_word_is_the_greedy_path() -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(400, CHARS.blank_id + 1)) * 3
    log_probs = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    decoded = greedy_decode(log_probs, CHARS)
    assert len(decoded.words) > 10
    for word in decoded.words:
        span = log_probs[word.start_frame:word.end_frame]
        ids = CHARS.word_token_ids(word.word)
        np.testing.assert_array_equal(best_alignment(span, ids, CHARS.blank_id), span.argmax(axis=1))
        assert alignment_confidence(span, ids, CHARS.blank_id) == pytest.approx(word.confidence)


def test_viterbi_aligns_a_one_token_word() -> None:
    [token] = CHARS.word_token_ids("a")
    # a blank inside the span would make it two a's: the only alignment holds the token throughout
    assert best_alignment(frames_for("a_a"), [token], CHARS.blank_id).tolist() == [token] * 3
    assert best_alignment(frames_for("a"), [token], CHARS.blank_id).tolist() == [token]


def test_viterbi_needs_a_blank_between_equal_tokens() -> None:
    ids = CHARS.word_token_ids("ll")
    assert best_alignment(frames_for("ll"), ids, CHARS.blank_id) is None
    path = best_alignment(frames_for("l_l"), ids, CHARS.blank_id)
    assert path is not None and path.tolist() == [ids[0], CHARS.blank_id, ids[1]]


def test_unspellable_word_is_scored_by_its_best_path() -> None:
    span = frames_for("ab", certainty=0.5)
    assert CHARS.word_token_ids("a!") is None
    assert alignment_confidence(span, None, CHARS.blank_id) == pytest.approx(0.5, rel=1e-5)


def test_beam_search_without_lm_agrees_with_greedy_on_clear_audio() -> None:
    log_probs = frames_for("_the__ ccat_ sat_")
    beam = BeamDecoder(CHARS, BeamSearchOptions(beam_width=8)).decode(log_probs)
    greedy = greedy_decode(log_probs, CHARS)
    assert beam.text == greedy.text == "the cat sat"
    assert [(w.start_frame, w.end_frame) for w in beam.words] == [(w.start_frame, w.end_frame) for w in greedy.words]
    assert [w.confidence for w in beam.words] == pytest.approx([w.confidence for w in greedy.words])


def ambiguous_vowel() -> np.ndarray:
    """'r?d' where the vowel frame says 'a' (0.5) a little more than 'e' (0.4)."""
    log_probs = frames_for("r_a_d")
    probs = np.exp(log_probs[2])
    probs[:] = 0.1 / (len(probs) - 2)
    probs[CHARS.tokens.index("a")] = 0.5
    probs[CHARS.tokens.index("e")] = 0.4
    log_probs[2] = np.log(probs)
    return log_probs


@pytest.fixture(scope="module")
def unigram_lm(tmp_path_factory: pytest.TempPathFactory) -> LanguageModelFiles:
    """A real KenLM model (ARPA) that knows 'red' and 'the' but not 'rad'."""
    folder = tmp_path_factory.mktemp("lm")
    arpa = folder / "tiny.arpa"
    arpa.write_text(
        "\\data\\\nngram 1=5\nngram 2=2\n\n\\1-grams:\n"
        "-1.0\t<unk>\t0\n-99\t<s>\t-0.3\n-0.7\t</s>\t0\n-0.5\tred\t-0.3\n-0.5\tthe\t-0.3\n\n"
        "\\2-grams:\n-0.2\t<s> the\n-0.2\tthe red\n\n\\end\\\n"
    )
    unigrams = folder / "tiny.unigrams.txt"
    unigrams.write_text("red\nthe\n")
    return LanguageModelFiles(arpa, unigrams)


def test_language_model_overrules_weak_acoustic_evidence(unigram_lm: LanguageModelFiles) -> None:
    log_probs = ambiguous_vowel()
    assert greedy_decode(log_probs, CHARS).text == "rad"
    decoded = BeamDecoder(CHARS, BeamSearchOptions(alpha=1.0, beta=0.0), unigram_lm).decode(log_probs)
    assert decoded.text == "red"
    word = decoded.words[0]
    assert (word.start_frame, word.end_frame) == (0, 5)
    assert word.confidence == pytest.approx((0.9 * 0.4 * 0.9) ** (1 / 3), rel=1e-5)


def test_hotword_boosts_a_word_the_acoustics_slightly_disfavour() -> None:
    log_probs = ambiguous_vowel()
    plain = BeamDecoder(CHARS, BeamSearchOptions()).decode(log_probs)
    boosted = BeamDecoder(CHARS, BeamSearchOptions(hotwords=("red",), hotword_weight=5.0)).decode(log_probs)
    assert plain.text == "rad"
    assert boosted.text == "red"
