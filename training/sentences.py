"""Real English sentences from Debian's `fortunes` files, cut down to a small vocabulary.

Fortunes are quotes and jokes: the short, plain sentences among them make good read speech.
We keep sentences of a few words made only of the `vocabulary_size` most frequent words, then
split them so dev and test hold sentences never seen in training (as Common Voice does) whose
words all occur in the training sentences (a closed vocabulary for the n-gram model).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from training.errors import TrainingError

FORTUNES_DIR = Path("/usr/share/games/fortunes")
# General-audience collections; offensive or code-heavy ones are left out on purpose.
FORTUNE_FILES = (
    "art", "computers", "cookie", "definitions", "education", "food", "fortunes", "goedel",
    "humorists", "kids", "law", "literature", "love", "magic", "medicine", "miscellaneous",
    "news", "paradoxum", "people", "pets", "platitudes", "politics", "riddles", "science",
    "songs-poems", "sports", "startrek", "tao", "wisdom", "work",
)
PLAIN_SENTENCE = re.compile(r"[A-Z][A-Za-z ,']*[a-z][.!?]")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
WORD = re.compile(r"[A-Za-z']+")


@dataclass(frozen=True)
class SentenceSplit:
    """Sentences for each Common Voice split; dev/test sentences never occur in train."""

    train: list[str]
    dev: list[str]
    test: list[str]

    def vocabulary(self) -> set[str]:
        """Every (lowercase) word of every split."""
        return {word for sentence in self.train + self.dev + self.test for word in words_of(sentence)}


def words_of(sentence: str) -> list[str]:
    """Lowercase words of a sentence, apostrophes kept inside words."""
    return [word.lower().strip("'") for word in WORD.findall(sentence) if word.strip("'")]


def fortune_entries(path: Path) -> Iterable[str]:
    """The entries of one fortune file (separated by `%` lines), attributions removed."""
    text = path.read_text(encoding="latin-1")
    for entry in re.split(r"^%$", text, flags=re.MULTILINE):
        lines = [line.strip() for line in entry.splitlines() if not line.strip().startswith("--")]
        yield " ".join(line for line in lines if line)


def plain_sentences(entries: Iterable[str], min_words: int, max_words: int) -> Iterable[str]:
    """Short sentences of letters, commas and apostrophes only, with no acronyms."""
    for entry in entries:
        for sentence in SENTENCE_END.split(entry):
            sentence = sentence.strip()
            if not PLAIN_SENTENCE.fullmatch(sentence):
                continue
            tokens = WORD.findall(sentence)
            if min_words <= len(tokens) <= max_words and not any(
                token.isupper() and len(token) > 1 for token in tokens
            ):
                yield sentence


def load_fortune_sentences(
    fortunes_dir: Path = FORTUNES_DIR, min_words: int = 3, max_words: int = 9
) -> list[str]:
    """Distinct plain sentences from the general-audience fortune files, sorted."""
    paths = [fortunes_dir / name for name in FORTUNE_FILES if (fortunes_dir / name).is_file()]
    if not paths:
        raise TrainingError(
            f"no fortune files in {fortunes_dir}: install the Debian packages fortunes fortunes-min"
        )
    sentences = {s for path in paths for s in plain_sentences(fortune_entries(path), min_words, max_words)}
    return sorted(sentences)


def restrict_vocabulary(sentences: Sequence[str], vocabulary_size: int) -> list[str]:
    """The sentences made only of the `vocabulary_size` most frequent words."""
    counts = Counter(word for sentence in sentences for word in words_of(sentence))
    vocabulary = {word for word, _ in counts.most_common(vocabulary_size)}
    return [s for s in sentences if all(word in vocabulary for word in words_of(s))]


def split_sentences(
    sentences: Sequence[str], held_out_fraction: float, rng: random.Random
) -> SentenceSplit:
    """Hold out unseen sentences for dev and test whose words all remain in train.

    Candidates are visited in random order; one is held out only if every word of it still
    occurs in some sentence left for training. Tiny corpora, where few sentences qualify, get
    at least one dev and one test sentence anyway (some of their words then unseen).
    """
    order = list(sentences)
    rng.shuffle(order)
    remaining = Counter(word for sentence in order for word in set(words_of(sentence)))
    wanted = 2 * max(1, int(len(order) * held_out_fraction))
    held_out: list[str] = []
    train: list[str] = []
    for sentence in order:
        words = set(words_of(sentence))
        if len(held_out) < wanted and all(remaining[word] > 1 for word in words):
            held_out.append(sentence)
            remaining.subtract(words)
        else:
            train.append(sentence)
    while len(held_out) < wanted and len(train) > 1:
        held_out.append(train.pop())
    return SentenceSplit(train=train, dev=held_out[0::2], test=held_out[1::2])
