"""KenLM n-gram (real lmplz/build_binary) + the recognizer's beam decoder and LM tuning, on hand-made CTC outputs."""

from pathlib import Path

import numpy as np
import pytest

from recognizer.batching import PreparedAudio
from recognizer.decoding import BeamDecoder, BeamSearchOptions, LanguageModelFiles, Vocabulary
from recognizer.engine import Utterance
from training.lm_decoding import tune_alpha_beta
from training.ngram import NgramFiles, build_ngram

LABELS = [" ", *"abcdefghijklmnopqrstuvwxyz", "'"]
LM_TEXT = [
    "the cat sat on the mat", "a dog sat on the mat", "the mat is red",
    "we met them at noon", "they met on monday", "sit on the mat",
]


def ctc_output(spoken: str, ambiguous: dict[int, tuple[str, str]]) -> np.ndarray:
    """Log-probs spelling `spoken`, 3 frames per char plus a blank; at the given char
    positions the first letter of the pair is slightly more likely than the second."""
    blank = len(LABELS)
    rows = []
    for position, char in enumerate(spoken):
        probs = np.full(len(LABELS) + 1, 1e-4)
        if position in ambiguous:
            likelier, other = ambiguous[position]
            probs[LABELS.index(likelier)], probs[LABELS.index(other)] = 0.5, 0.4
        else:
            probs[LABELS.index(char)] = 0.9
        rows += [probs] * 3
        blank_row = np.full(len(LABELS) + 1, 1e-4)
        blank_row[blank] = 0.9
        rows.append(blank_row)
    frames = np.array(rows)
    return np.log(frames / frames.sum(axis=1, keepdims=True)).astype(np.float32)


def beam_decoder(ngram: NgramFiles, alpha: float, beta: float) -> BeamDecoder:
    """The recognizer's beam decoder over LABELS with the test n-gram."""
    return BeamDecoder(Vocabulary(tuple(LABELS)), BeamSearchOptions(16, alpha, beta),
                       LanguageModelFiles(ngram.binary, ngram.unigrams))


@pytest.fixture(scope="module")
def ngram(tmp_path_factory: pytest.TempPathFactory) -> NgramFiles:
    return build_ngram(LM_TEXT, tmp_path_factory.mktemp("lm") / "tiny", order=3)


def test_build_writes_a_small_binary_and_the_unigrams(ngram: NgramFiles) -> None:
    assert ngram.binary.read_bytes()[:4] != b"\\dat"  # a KenLM binary, not ARPA text
    assert 0 < ngram.binary.stat().st_size < 50_000
    words = LanguageModelFiles(ngram.binary, ngram.unigrams).unigrams()
    assert words is not None and "mat" in words and "met" in words
    assert not ngram.binary.with_suffix("").with_suffix(".arpa").exists()


def test_the_ngram_fixes_what_greedy_decoding_gets_wrong(ngram: NgramFiles) -> None:
    # "the cat sat on the mat" where the acoustics slightly prefer "met" for the last word
    spoken = "the cat sat on the mat"
    log_probs = ctc_output(spoken, {spoken.rindex("a"): ("e", "a")})
    assert beam_decoder(ngram, alpha=0.0, beta=0.0).decode(log_probs).text == "the cat sat on the met"
    assert beam_decoder(ngram, alpha=1.0, beta=0.5).decode(log_probs).text == spoken


def test_tuning_picks_the_weights_with_the_lowest_dev_wer(ngram: NgramFiles) -> None:
    spoken = ["the cat sat on the mat", "they met on monday"]
    log_probs = [
        ctc_output(spoken[0], {spoken[0].rindex("a"): ("e", "a")}),
        ctc_output(spoken[1], {6: ("a", "e")}),  # acoustics say "they mat"
    ]
    decoder = beam_decoder(ngram, alpha=0.0, beta=0.0)
    heard = [Utterance(PreparedAudio(np.zeros(1, dtype=np.float32)), lp) for lp in log_probs]
    unheard = Utterance(PreparedAudio(np.zeros(1, dtype=np.float32)), None)  # silence gated: no words
    result = tune_alpha_beta(decoder, [*heard, unheard], [*spoken, ""], alphas=[0.0, 1.0], betas=[0.0])
    assert [point[:2] for point in result.grid] == [(0.0, 0.0), (1.0, 0.0)]
    assert result.grid[0][2] > 0
    assert (result.alpha, result.wer) == (1.0, 0.0)
    assert decoder.options.alpha == 1.0  # left at the best point
