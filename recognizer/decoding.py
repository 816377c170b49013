"""CTC decoding of one utterance's log-probabilities into words with frame spans and confidences.

Pure: a `[frames, vocabulary + 1]` numpy array of log-probabilities in (the CTC blank is the
last column, as in NeMo), words out. Two decoders share one output type:

- `greedy_decode`: the best path (argmax per frame, repeats collapsed, blanks dropped): the
  same text NeMo's own greedy CTC decoding gives.
- `BeamDecoder`: pyctcdecode's beam search, optionally fused with a KenLM n-gram model
  (`alpha` weighs the LM, `beta` rewards each word) and boosted hotwords.

Word timing: a word spans the frames from the first frame of its first token to the last
frame of its last token (blanks around it excluded); times are frame index × frame duration.

Word confidence: take the best CTC alignment of the word's tokens inside its span (for the
greedy decoder that is the greedy path itself); the confidence is the geometric mean of the
posterior probabilities of the emitted tokens over the frames where the alignment emits them
(blank frames are left out). It lies in (0, 1]: 1 means every emitting frame was certain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

SUBWORD_WORD_START = "▁"  # sentencepiece's word-start mark
UNKNOWN_SURFACE = "\u2047"  # how sentencepiece spells an unknown piece: ⁇, a word of its own


@dataclass(frozen=True)
class Vocabulary:
    """The model's output tokens (blank excluded; it is the next index).

    Character models separate words with a `" "` token; subword (sentencepiece) models start a
    word with a piece that begins with `▁`. As sentencepiece decodes them, an unknown piece
    (`<unk>`) is a word of its own spelled `⁇`, and control pieces (`<s>`, `</s>`) spell nothing.
    """

    tokens: tuple[str, ...]
    subword: bool = False
    unknown_ids: frozenset[int] = frozenset()
    control_ids: frozenset[int] = frozenset()
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {token: i for i, token in enumerate(self.tokens)})

    @property
    def blank_id(self) -> int:
        """Index of the CTC blank: one past the last token."""
        return len(self.tokens)

    @property
    def decoder_labels(self) -> list[str]:
        """Labels for pyctcdecode: the tokens plus `""` for the blank."""
        return [*self.tokens, ""]

    def starts_word(self, token_id: int) -> bool:
        """True for a subword piece that begins a new word."""
        return self.subword and self.tokens[token_id].startswith(SUBWORD_WORD_START)

    def is_separator(self, token_id: int) -> bool:
        """True for the character model's space token, which only separates words."""
        return not self.subword and self.tokens[token_id] == " "

    def surface(self, token_id: int) -> str:
        """What one token adds to the text (word-start mark kept)."""
        if token_id in self.unknown_ids:
            return UNKNOWN_SURFACE
        return "" if token_id in self.control_ids else self.tokens[token_id]

    def spell(self, token_ids: Sequence[int]) -> str:
        """The text of one word's tokens."""
        return "".join(self.surface(t) for t in token_ids).replace(SUBWORD_WORD_START, "")

    def word_token_ids(self, word: str) -> list[int] | None:
        """Tokens that spell `word`, or None when the vocabulary cannot spell it.

        Characters map one to one; subwords are matched longest piece first, the first one
        carrying the word-start mark (sentencepiece may have segmented it differently).
        """
        index = self._index
        if not self.subword:
            ids = [index.get(char) for char in word]
            return None if None in ids else ids  # type: ignore[return-value]
        rest, ids = SUBWORD_WORD_START + word, []
        while rest:
            piece = next((rest[:n] for n in range(len(rest), 0, -1) if rest[:n] in index), None)
            if piece is None:
                return None
            ids.append(index[piece])
            rest = rest[len(piece):]
        return ids


@dataclass(frozen=True, slots=True)
class DecodedWord:
    """One word: frames [start_frame, end_frame) of the utterance, and its confidence."""

    word: str
    start_frame: int
    end_frame: int
    confidence: float


@dataclass(frozen=True, slots=True)
class Decoded:
    """The decoder's best hypothesis for one utterance."""

    words: tuple[DecodedWord, ...]

    @property
    def text(self) -> str:
        """The words joined by single spaces."""
        return " ".join(word.word for word in self.words)


@dataclass(frozen=True, slots=True)
class _TokenRun:
    """A run of frames on which the best path emits one token."""

    token: int
    start: int
    end: int


def _best_path_runs(best: np.ndarray, blank_id: int) -> list[_TokenRun]:
    """Collapse the per-frame best tokens into runs of one token (repeats merged, blanks dropped)."""
    boundaries = np.flatnonzero(np.diff(best)) + 1
    starts = np.concatenate(([0], boundaries)) if len(best) else np.array([], dtype=int)
    ends = np.concatenate((boundaries, [len(best)])) if len(best) else np.array([], dtype=int)
    return [
        _TokenRun(int(best[s]), int(s), int(e)) for s, e in zip(starts, ends, strict=True) if best[s] != blank_id
    ]


def _group_into_words(emissions: list[_TokenRun], vocabulary: Vocabulary) -> list[list[_TokenRun]]:
    """Split emissions into words at separators (characters), word-start pieces (subwords) and
    around unknown pieces."""
    words: list[list[_TokenRun]] = []
    current: list[_TokenRun] = []
    for emission in emissions:
        if emission.token in vocabulary.unknown_ids:
            words += [current, [emission]] if current else [[emission]]
            current = []
        elif vocabulary.is_separator(emission.token) or vocabulary.starts_word(emission.token):
            if current:
                words.append(current)
            current = [] if vocabulary.is_separator(emission.token) else [emission]
        else:
            current.append(emission)
    if current:
        words.append(current)
    return words


def _geometric_mean_posterior(log_probs: np.ndarray, frames: np.ndarray, tokens: np.ndarray) -> float:
    """exp(mean log p(token_f | frame f)) over the emitting frames."""
    return float(np.exp(np.mean(log_probs[frames, tokens]))) if len(frames) else 0.0


def greedy_decode(log_probs: np.ndarray, vocabulary: Vocabulary) -> Decoded:
    """Best-path CTC decoding with word spans and confidences (see the module docstring)."""
    best = log_probs.argmax(axis=1)
    words = []
    for emissions in _group_into_words(_best_path_runs(best, vocabulary.blank_id), vocabulary):
        text = vocabulary.spell([e.token for e in emissions])
        if not text:
            continue
        frames = np.concatenate([np.arange(e.start, e.end) for e in emissions])
        confidence = _geometric_mean_posterior(log_probs, frames, best[frames])
        words.append(DecodedWord(text, emissions[0].start, emissions[-1].end, confidence))
    return Decoded(tuple(words))


def best_alignment(log_probs: np.ndarray, token_ids: Sequence[int], blank_id: int) -> np.ndarray | None:
    """Viterbi: the most probable CTC path emitting exactly `token_ids` over all frames given.

    The path starts on the first token and ends on the last (a word's span has no blank at
    either end). Returns the label of every frame (tokens or blank), or None when the frames
    are too few to spell the tokens.
    """
    frames, count = len(log_probs), len(token_ids)
    states = np.full(2 * count - 1, blank_id)
    states[0::2] = token_ids  # token, blank, token, …, token
    emit = log_probs[:, states]  # [frames, states]
    # a state may be entered from itself, the previous state, or (for a token not equal to the
    # token two states back) skip the blank between them
    can_skip = np.zeros(len(states), dtype=bool)
    can_skip[2::2] = states[2::2] != states[:-2:2]
    score = np.full(len(states), -np.inf)
    score[0] = emit[0, 0]
    back = np.zeros((frames, len(states)), dtype=np.int64)
    for frame in range(1, frames):
        choices = np.full((3, len(states)), -np.inf)  # rows: stay, step from the previous, skip a blank
        choices[0] = score
        choices[1, 1:] = score[:-1]
        choices[2, 2:] = np.where(can_skip[2:], score[:-2], -np.inf)
        best_move = choices.argmax(axis=0)
        back[frame] = best_move
        score = choices[best_move, np.arange(len(states))] + emit[frame]
    if not np.isfinite(score[-1]):
        return None
    path = np.empty(frames, dtype=np.int64)
    state = len(states) - 1
    for frame in range(frames - 1, -1, -1):
        path[frame] = states[state]
        state -= back[frame, state]
    return path


def alignment_confidence(log_probs: np.ndarray, token_ids: Sequence[int] | None, blank_id: int) -> float:
    """A word's confidence from the frames of its span (see the module docstring).

    When the tokens cannot be aligned (a subword split the vocabulary cannot reproduce), the
    best-path posterior of the span's non-blank frames stands in.
    """
    path = best_alignment(log_probs, token_ids, blank_id) if token_ids else None
    if path is None:
        path = log_probs.argmax(axis=1)
    frames = np.flatnonzero(path != blank_id)
    return _geometric_mean_posterior(log_probs, frames, path[frames])


@dataclass(frozen=True, slots=True)
class LanguageModelFiles:
    """A KenLM model (binary or ARPA) and its vocabulary (one word per line, optional)."""

    kenlm_path: Path
    unigrams_path: Path | None = None

    def unigrams(self) -> list[str] | None:
        """The words the LM knows, when a unigram file was given."""
        if self.unigrams_path is None:
            return None
        return [line.strip() for line in self.unigrams_path.read_text().splitlines() if line.strip()]


@dataclass(frozen=True, slots=True)
class BeamSearchOptions:
    """Knobs of the beam search; `hotwords` get `hotword_weight` extra score per match."""

    beam_width: int = 32
    alpha: float = 0.5
    beta: float = 1.0
    hotwords: tuple[str, ...] = ()
    hotword_weight: float = 10.0


class BeamDecoder:
    """pyctcdecode beam search (with KenLM shallow fusion when an LM is given)."""

    def __init__(
        self, vocabulary: Vocabulary, options: BeamSearchOptions, language_model: LanguageModelFiles | None = None
    ) -> None:
        from pyctcdecode import build_ctcdecoder  # noqa: PLC0415 - loads kenlm

        self.vocabulary = vocabulary
        self.options = options
        self._decoder = build_ctcdecoder(
            vocabulary.decoder_labels,
            kenlm_model_path=str(language_model.kenlm_path) if language_model else None,
            unigrams=language_model.unigrams() if language_model else None,
            alpha=options.alpha,
            beta=options.beta,
        )

    def reweight(self, alpha: float, beta: float) -> None:
        """Change the LM weight and word bonus in place (LM tuning: no reload of the LM per grid point)."""
        self._decoder.reset_params(alpha=alpha, beta=beta)
        self.options = replace(self.options, alpha=alpha, beta=beta)

    def decode(self, log_probs: np.ndarray) -> Decoded:
        """The best beam's words with their frame spans and confidences."""
        beams = self._decoder.decode_beams(
            log_probs,
            beam_width=self.options.beam_width,
            hotwords=list(self.options.hotwords) or None,
            hotword_weight=self.options.hotword_weight,
        )
        _text, _lm_state, word_frames, _logit_score, _score = beams[0]
        blank = self.vocabulary.blank_id
        return Decoded(
            tuple(
                DecodedWord(
                    word,
                    start,
                    end,
                    alignment_confidence(log_probs[start:end], self.vocabulary.word_token_ids(word), blank),
                )
                for word, (start, end) in word_frames
            )
        )
