"""Punctuation by a hidden-event n-gram: a KenLM model over words with the punctuation marks as words.

The model is trained (training/punctuation_model.py) on running text where each mark is a token of
its own after the word it follows: "thank you _period_ your balance is <num> _period_". At run
time the marks are hidden: a small beam search over the gaps between the spoken words chooses,
in each gap, no mark or one of `EVENTS`, by the n-gram's score of the whole sequence. The end of
a final result always gets a sentence end (a period or a question mark: the segmenter cut it at a
pause), scored with the n-gram's end of sentence.

Questions: an n-gram sees only its last few words when it places a sentence's end, so the
choice between a period and a question mark also weighs how the sentence began ("can you ...",
"what is ..."): the log-odds of a question after the sentence's first two words (else its first),
counted in the training text. Each mark also has a bonus (log10) tuned on held-back training text.

Casing: the first word of each sentence is capitalised, and every other word takes its usual
written form from a table learnt from the same text (`i` -> `I`, `monday` -> `Monday`, names).
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from recognizer.formatting.punctuation import (
    SENTENCE_ENDS,
    BaselinePunctuator,
    Punctuator,
    capitalised,
    is_proper_noun,
)
from recognizer.formatting.tokens import Span
from streamscribe.paths import REPO_ROOT

SHIPPED_PREFIX = REPO_ROOT / "recognizer" / "models" / "streamscribe-small"  # + .punct.bin, .punct.json

NONE = ""
EVENTS = {",": "_comma_", ".": "_period_", "?": "_question_"}  # mark -> its token in the n-gram
END_MARKS = (".", "?")  # what may end a final
NUMBER = "<num>"
_EDGE = re.compile(r"^[^\w<\[$£€]+|[^\w>\]%]+$")


def lm_word(text: str) -> str:
    """A written token as the n-gram knows it: lower case, no marks around it, numbers as `<num>`
    (a redaction tag stays an unknown word: as `<num>` it drew a period before it, "Card. [CARD].")."""
    word = _EDGE.sub("", text).lower()
    if any(char.isdigit() for char in word):
        return NUMBER
    return word or text.lower()


@dataclass(frozen=True, slots=True)
class _Hypothesis:
    score: float  # log10 probability so far
    state: object  # the n-gram's state after the last token
    marks: tuple[str, ...]  # one mark per gap so far ("" for none)
    start: int = 0  # index of the word that began the current sentence


@dataclass(frozen=True)
class Tables:
    """What the n-gram does not hold: word forms, question odds by a sentence's start, mark bonuses."""

    casing: dict[str, str]
    question_starts: dict[str, float]  # "w1 w2" or "w1" -> log10 odds of "?" against "."
    bonus: dict[str, float]  # mark -> log10 added to each hypothesis that places it
    question_weight: float = 1.0

    @classmethod
    def read(cls, path: Path) -> Tables:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["casing"], data["question_starts"], data["bonus"], data.get("question_weight", 1.0))

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=0, sort_keys=True) + "\n", encoding="utf-8")

    def question_odds(self, words: Sequence[str]) -> float:
        """log10 odds of a question for a sentence that starts with `words`."""
        for key in (" ".join(words[:2]), words[0] if words else ""):
            if key in self.question_starts:
                return self.question_weight * self.question_starts[key]
        return 0.0


class HiddenEventPunctuator:
    """A `Punctuator` that restores `EVENTS` with a KenLM hidden-event n-gram and cases words by a table."""

    def __init__(self, model: Path, tables: Path | Tables, beam: int = 4) -> None:
        import kenlm  # noqa: PLC0415 - a C extension; imported where a model is loaded

        self._kenlm = kenlm
        self.model = kenlm.Model(str(model))
        self.tables = tables if isinstance(tables, Tables) else Tables.read(tables)
        self.casing = self.tables.casing
        self.beam = beam

    def marks(self, words: Sequence[str], context: Sequence[str] = ()) -> tuple[str, ...]:
        """The mark after each of `words` (n-gram words); `context`: n-gram tokens said just before them."""
        kenlm, model, tables = self._kenlm, self.model, self.tables
        bonus = tables.bonus
        start = kenlm.State()
        if context:
            model.NullContextWrite(start)
            for token in context:
                after = kenlm.State()
                model.BaseScore(start, token, after)
                start = after
        else:
            model.BeginSentenceWrite(start)
        beam = [_Hypothesis(0.0, start, ())]
        for i, word in enumerate(words):
            last = i == len(words) - 1
            grown: list[_Hypothesis] = []
            for hyp in beam:
                after_word = kenlm.State()
                score = hyp.score + model.BaseScore(hyp.state, word, after_word)
                for mark in END_MARKS if last else (NONE, *EVENTS):
                    if mark == NONE:
                        grown.append(_Hypothesis(score, after_word, (*hyp.marks, mark), hyp.start))
                        continue
                    after_mark = kenlm.State()
                    marked = score + model.BaseScore(after_word, EVENTS[mark], after_mark) + bonus.get(mark, 0.0)
                    if mark in END_MARKS:
                        odds = tables.question_odds(words[hyp.start:hyp.start + 2])
                        marked += odds / 2 if mark == "?" else -odds / 2
                    if last:
                        marked += model.BaseScore(after_mark, "</s>", kenlm.State())
                    start = i + 1 if mark in END_MARKS else hyp.start
                    grown.append(_Hypothesis(marked, after_mark, (*hyp.marks, mark), start))
            beam = heapq.nlargest(self.beam, grown, key=lambda h: h.score)
        return beam[0].marks if beam else ()

    def punctuate(self, tokens: Sequence[Span], context: Sequence[str] = ()) -> tuple[Span, ...]:
        """Marks and casing for a final's written tokens; spans stay as they were."""
        if not tokens:
            return ()
        given = [t.text[-1] if t.text.endswith((*SENTENCE_ENDS, ",")) else None for t in tokens]
        marks = self.marks([lm_word(t.text) for t in tokens], context)
        out: list[Span] = []
        sentence_start = True
        for i, (token, mark) in enumerate(zip(tokens, marks, strict=True)):
            text = token.text if token.text[:1].isupper() else self.cased(token.text, tokens, i, sentence_start)
            if given[i] is None and mark:
                text += mark
            out.append(Span(text, token.first, token.last))
            sentence_start = text.endswith(SENTENCE_ENDS)
        return tuple(out)

    def cased(self, text: str, tokens: Sequence[Span], i: int, sentence_start: bool) -> str:
        """`text` in its usual written form, capitalised at a sentence's start."""
        if sentence_start or is_proper_noun(tokens, i):
            return capitalised(self.casing.get(text, text))
        return self.casing.get(text, text)

    def context_of(self, written: Sequence[str], tail: int = 4) -> tuple[str, ...]:
        """The n-gram tokens of the last `tail` written tokens of the previous final (left context)."""
        return tuple(context_tokens(written[-tail:]))


def context_tokens(written: Iterable[str]) -> Iterable[str]:
    """Written tokens ("balance", "is", "$25.40.") -> n-gram tokens with their marks ("<num>", "_period_")."""
    for text in written:
        yield lm_word(text)
        mark = text[-1:] if text.endswith((*SENTENCE_ENDS, ",")) else ""
        if mark:
            yield EVENTS["." if mark == "!" else mark]


def model_files(prefix: Path = SHIPPED_PREFIX) -> tuple[Path, Path]:
    """`<prefix>.punct.bin` (the n-gram) and `<prefix>.punct.json` (the tables), as `train punctuation` writes them."""
    return prefix.with_name(prefix.name + ".punct.bin"), prefix.with_name(prefix.name + ".punct.json")


def default_punctuator(prefix: Path = SHIPPED_PREFIX) -> Punctuator:
    """The trained punctuator when its files are there (they ship with the project), else the baseline."""
    model, tables = model_files(prefix)
    if model.is_file() and tables.is_file():
        return HiddenEventPunctuator(model, tables)
    return BaselinePunctuator()
