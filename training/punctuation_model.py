"""`train punctuation`: the hidden-event n-gram and casing table that punctuate final results.

Training text: Debian's general-audience `fortunes` files (quotes, jokes, dialogue, Q&A), one
entry a line, each mark a token after its word ("what time is it _question_"). Entries that hold
a sentence of the shipped speech samples are left out, so the scores on the recognizer's own
output are on unseen sentences. KenLM's `lmplz` builds the n-gram (pruned, then a quantised
trie by `build_binary`); the casing table keeps each word whose usual form inside a sentence is
not lower case (`i` -> `I`, `friday` -> `Friday`).

Held-out text, from sources never trained on: the English dialogues of the `chatterbot-corpus`
wheel (BSD-3-Clause: short turns, many questions) and the punctuated transcripts of Debian's
Asterisk prompts (call-centre phrasing). Each turn or prompt is scored as one final result.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from recognizer.formatting.hidden_event import END_MARKS, EVENTS, HiddenEventPunctuator, Tables, lm_word, model_files
from recognizer.formatting.punctuation import BaselinePunctuator, Punctuator
from recognizer.formatting.tokens import Span
from streamscribe.paths import cache_home
from training.errors import TrainingError
from training.kenlm_build import ensure_kenlm_binaries, pip_command, run_tool
from training.ngram import QUANTISE_BITS, run_kenlm
from training.sentences import FORTUNE_FILES, FORTUNES_DIR, fortune_entries, words_of
from training.settings import PunctuationSettings

log = logging.getLogger(__name__)

HELDOUT_WHEEL = "chatterbot-corpus==1.3.3"
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "prof", "mt", "no", "e.g", "i.e", "a.m", "p.m"}
_OPENING = "\"'([{`*_-"
_CLOSING = "\"')]}`*_"


@dataclass
class Marked:
    """Text as the n-gram sees it: words (`lm_word`), the mark after each, whether each is capitalised."""

    words: list[str] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    capitalised: list[bool] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)  # each word as written, marks and quotes stripped


def mark_of(trailing: str, core: str) -> str:
    """The mark a token's trailing punctuation stands for ("" for none); "!" counts as a period."""
    if "?" in trailing:
        return "?"
    if ("." in trailing and core.lower() not in ABBREVIATIONS) or "!" in trailing:
        return "."
    if any(char in trailing for char in ",;:"):
        return ","
    return ""


def parse(text: str) -> Marked:
    """Punctuated text -> words, the mark after each word, their casing (tokens without letters or
    digits are left out)."""
    out = Marked()
    for raw in text.split():
        token = raw.strip(_OPENING)
        core = token.rstrip(_CLOSING + ".,;:!?")
        core = core.rstrip(_CLOSING)
        if not any(char.isalnum() for char in core):
            if out.marks and not out.marks[-1]:
                out.marks[-1] = mark_of(token, "")
            continue
        out.words.append(lm_word(core))
        out.marks.append(mark_of(token[len(core):], core))
        out.capitalised.append(core[:1].isupper())
        out.forms.append(core)
    return out


def training_line(marked: Marked) -> str:
    """`word word _comma_ word _period_ ...`: one n-gram training line."""
    tokens: list[str] = []
    for word, mark in zip(marked.words, marked.marks, strict=True):
        tokens.append(word)
        if mark:
            tokens.append(EVENTS[mark])
    return " ".join(tokens)


def usable(entry: str) -> bool:
    """Prose, not shouting, code or verse laid out in capitals."""
    letters = [char for char in entry if char.isalpha()]
    if len(letters) < 10 or any(char in entry for char in "{}|<>\\=#@"):
        return False
    return sum(char.isupper() for char in letters) < 0.3 * len(letters)


def fortune_texts(excluded: Sequence[str] = (), fortunes_dir: Path = FORTUNES_DIR) -> list[str]:
    """The usable entries of the general-audience fortune files, minus those holding an `excluded` sentence."""
    paths = [fortunes_dir / name for name in FORTUNE_FILES if (fortunes_dir / name).is_file()]
    if not paths:
        raise TrainingError(f"no fortune files in {fortunes_dir}: install the Debian packages fortunes fortunes-min")
    held = [f" {' '.join(words_of(s))} " for s in excluded]
    texts: dict[str, None] = {}
    for path in paths:
        for entry in fortune_entries(path):
            spoken = f" {' '.join(words_of(entry))} "
            if usable(entry) and not any(sentence in spoken for sentence in held):
                texts.setdefault(entry, None)
    return list(texts)


def casing_table(texts: Iterable[Marked], min_count: int = 2) -> dict[str, str]:
    """Each word whose most frequent form inside a sentence (not its first word) is not lower case."""
    forms: dict[str, Counter[str]] = {}
    for marked in texts:
        for i, (word, form) in enumerate(zip(marked.words, marked.forms, strict=True)):
            if i == 0 or marked.marks[i - 1] in (".", "?") or word == "<num>":
                continue
            forms.setdefault(word, Counter())[form if form.lower() == word else word] += 1
    table = {}
    for word, counts in forms.items():
        form, count = counts.most_common(1)[0]
        if form != word and count >= min_count and count * 2 > sum(counts.values()):
            table[word] = form
    return table


def question_starts(texts: Iterable[Marked], min_count: int = 3) -> dict[str, float]:
    """log10 odds of "?" against "." for sentences starting with each first word and first two words."""
    counts: dict[str, Counter[str]] = {}
    for marked in texts:
        start = 0
        for i, mark in enumerate(marked.marks):
            if mark in END_MARKS:
                words = marked.words[start:i + 1]
                for key in {" ".join(words[:2]), words[0]}:
                    counts.setdefault(key, Counter())[mark] += 1
                start = i + 1
    return {key: round(math.log10((c["?"] + 1) / (c["."] + 1)), 3)
            for key, c in sorted(counts.items()) if c.total() >= min_count}


def held_back(text: str, share: int = 13) -> bool:
    """Whether a training text is held back to tune the bonuses (about 5 %: its SHA-1's first byte)."""
    return hashlib.sha1(text.encode("utf-8")).digest()[0] < share


def finals_of(text: str, sentences: int = 2) -> list[str]:
    """A text cut into finals of up to `sentences` sentences each (finals are utterances, not paragraphs)."""
    parts = [part for part in re.split(r"(?<=[.?!])\s+", " ".join(text.split())) if part]
    return [" ".join(parts[i:i + sentences]) for i in range(0, len(parts), sentences)]


def tune_bonus(punctuator: HiddenEventPunctuator, dev: Sequence[str]) -> Tables:
    """Mark bonuses and the weight of the question odds, by coordinate search on held-back training
    text cut into finals; each step keeps the value with the best F0.5 of its mark (precision first:
    "I think, so." reads worse than a missing comma), plus a tenth of the others' F1, so a bonus that
    wrecks the other marks loses."""
    conversations = [finals_of(text) for text in dev]
    base = punctuator.tables
    best: dict[str, float] = {}
    weight = 1.0

    def scored(bonus: dict[str, float], question_weight: float, name: str) -> float:
        punctuator.tables = Tables(base.casing, base.question_starts, bonus, question_weight)
        scores = score_finals(punctuator, conversations)
        log.info("bonus %s, question weight %.1f: %s", bonus, question_weight, scores.summary())
        return scores.f_beta(name, 0.5) + 0.1 * sum(scores.summary().values())

    for mark, name, grid in ((",", "comma", (0.0, 0.5, 1.0, 1.5)), ("?", "question", (0.0, 0.5, 1.0)),
                             (".", "period", (-0.5, 0.0, 0.5))):
        best[mark] = max(grid, key=lambda value: scored({**best, mark: value}, weight, name))  # noqa: B023
    weight = max((1.0, 2.0, 3.0), key=lambda w: scored(best, w, "question"))
    punctuator.tables = Tables(base.casing, base.question_starts, best, weight)
    return punctuator.tables


@dataclass(frozen=True)
class PunctuationFiles:
    model: Path
    tables: Path
    lines: int
    words: int
    seconds: float


def build_punctuation_model(texts: Sequence[str], output_prefix: Path, order: int,
                            prune: Sequence[int]) -> PunctuationFiles:
    """`<prefix>.punct.bin` (KenLM trie, quantised) and `<prefix>.punct.json` (tables) from punctuated
    texts; about 5 % of them are held back to tune the mark bonuses."""
    started = time.monotonic()
    dev = [text for text in texts if held_back(text)]
    marked = [parse(text) for text in texts if not held_back(text)]
    lines = [training_line(m) for m in marked if m.words]
    if not lines:
        raise TrainingError("no text to build the punctuation model from")
    log.info("%d lines, %d words of training text", len(lines), sum(len(m.words) for m in marked))
    bin_dir = ensure_kenlm_binaries()
    output_prefix.parent.mkdir(parents=True, exist_ok=True)
    binary, tables_path = model_files(output_prefix)
    arpa = binary.with_suffix(".arpa")
    log.info("lmplz: %d-gram, prune %s", order, " ".join(map(str, prune)) or "none")
    command = [str(bin_dir / "lmplz"), "-o", str(order), "--discount_fallback", "-S", "10%",
               "-T", str(output_prefix.parent), "--arpa", str(arpa)]
    run_kenlm(command + (["--prune", *map(str, prune)] if prune else []), "lmplz", stdin="\n".join(lines) + "\n")
    log.info("build_binary: trie, %d-bit quantised", QUANTISE_BITS)
    run_kenlm([str(bin_dir / "build_binary"), "-q", str(QUANTISE_BITS), "-b", str(QUANTISE_BITS),
               "-a", "22", "trie", str(arpa), str(binary)], "build_binary")
    arpa.unlink()
    tables = Tables(casing_table(marked), question_starts(marked), {})
    log.info("casing table: %d words; question odds: %d sentence starts; tuning bonuses on %d held-back texts",
             len(tables.casing), len(tables.question_starts), len(dev))
    punctuator = HiddenEventPunctuator(binary, tables)
    tune_bonus(punctuator, dev)
    punctuator.tables.write(tables_path)
    seconds = round(time.monotonic() - started, 1)
    log.info("%s (%d bytes), %s (%d bytes), bonuses %s, in %.1f s", binary, binary.stat().st_size, tables_path,
             tables_path.stat().st_size, punctuator.tables.bonus, seconds)
    return PunctuationFiles(binary, tables_path, len(lines), sum(len(m.words) for m in marked), seconds)


# --- evaluation ---------------------------------------------------------------------------------

SCORED = {"period": ".", "question": "?", "comma": ","}


@dataclass
class Scores:
    """True positives, predictions and references per mark, and the same for capitalised words."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, reference: Marked, predicted: Marked) -> None:
        for ref, got in zip(reference.marks, predicted.marks, strict=True):
            for name, mark in SCORED.items():
                self.counts[f"{name}_tp"] += ref == mark and got == mark
                self.counts[f"{name}_ref"] += ref == mark
                self.counts[f"{name}_pred"] += got == mark
        for ref_cap, got_cap in zip(reference.capitalised, predicted.capitalised, strict=True):
            self.counts["caps_tp"] += ref_cap and got_cap
            self.counts["caps_ref"] += ref_cap
            self.counts["caps_pred"] += got_cap

    def f1(self, name: str) -> float:
        return self.f_beta(name, 1.0)

    def f_beta(self, name: str, beta: float) -> float:
        """F-beta: beta < 1 weighs precision more (a wrong mark costs a reader more than a missing one)."""
        tp, ref, pred = (self.counts[f"{name}_{k}"] for k in ("tp", "ref", "pred"))
        return (1 + beta**2) * tp / (beta**2 * ref + pred) if ref + pred else 0.0

    def summary(self) -> dict[str, float]:
        return {name: round(self.f1(name), 3) for name in (*SCORED, "caps")}


def punctuated(punctuator: Punctuator, words: Sequence[str], context: Sequence[str] = ()) -> Marked:
    """`words` (lower case, bare) punctuated, parsed back."""
    spans = [Span(word, i, i) for i, word in enumerate(words)]
    if context and isinstance(punctuator, HiddenEventPunctuator):
        out = punctuator.punctuate(spans, context)
    else:
        out = punctuator.punctuate(spans)
    return parse(" ".join(span.text for span in out))


def score_finals(punctuator: Punctuator, conversations: Sequence[Sequence[str]], context: int = 0) -> Scores:
    """Each turn of each conversation punctuated as one final; `context`: tokens of the previous
    final's output given as left context (0: none)."""
    scores = Scores()
    for turns in conversations:
        previous: tuple[str, ...] = ()
        for turn in turns:
            reference = parse(turn)
            if not reference.words:
                continue
            spoken = [form.lower() for form in reference.forms]
            predicted = punctuated(punctuator, spoken, previous)
            if len(predicted.words) != len(reference.words):
                raise TrainingError(f"tokens changed while punctuating {turn!r}")
            scores.add(reference, predicted)
            if context and isinstance(punctuator, HiddenEventPunctuator):
                previous = punctuator.context_of(
                    [f + m for f, m in zip(predicted.forms, predicted.marks, strict=True)], context)
    return scores


def heldout_dialogues(cache: Path | None = None) -> list[list[str]]:
    """The English conversations of the chatterbot-corpus wheel (downloaded once into the cache)."""
    import yaml  # noqa: PLC0415

    folder = (cache or cache_home() / "punctuation") / "heldout"
    wheels = sorted(folder.glob("chatterbot_corpus-*.whl"))
    if not wheels:
        folder.mkdir(parents=True, exist_ok=True)
        run_tool([*pip_command(), "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                  "--dest", str(folder), HELDOUT_WHEEL], "pip download chatterbot-corpus")
        wheels = sorted(folder.glob("chatterbot_corpus-*.whl"))
    conversations: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()  # the corpus repeats some conversations many times
    with zipfile.ZipFile(wheels[-1]) as wheel:
        for name in sorted(wheel.namelist()):
            if "/data/english/" in name and name.endswith(".yml"):
                data = yaml.safe_load(wheel.read(name).decode("utf-8"))
                for turns in data.get("conversations") or []:
                    kept = tuple(str(t) for t in turns if isinstance(t, str) and prose(t))
                    if kept and kept not in seen:
                        seen.add(kept)
                        conversations.append(list(kept))
    return conversations


def prose(turn: str) -> bool:
    """A turn written as sentences (a capital first, a closing mark last), one line, no code or markup:
    chat turns such as "hi" or "can you build a REST API?" carry no reference to score against."""
    turn = turn.strip()
    return (turn[:1].isupper() and turn.rstrip("\"')").endswith((".", "?", "!")) and "\n" not in turn
            and not any(char in turn for char in "`{}=<>|\\@#_"))


def heldout_prompts() -> list[list[str]]:
    """The Asterisk prompts' punctuated transcripts written as sentences of 4 words or more (not
    "press", "thirteen"), each its own one-turn conversation."""
    from training.real_prompts import read_prompts  # noqa: PLC0415

    seen: dict[str, None] = {}
    for prompt in read_prompts():
        text = re.sub(r"\[[^]]*\]|\([^)]*\)|<[^>]*>", " ", prompt.text).strip()
        if len(text.split()) >= 4 and prose(text):
            seen.setdefault(text, None)
    return [[text] for text in seen]


def evaluate_text(model: PunctuationFiles | None, files: tuple[Path, Path] | None = None,
                  contexts: Sequence[int] = (0, 4)) -> dict[str, dict[str, float]]:
    """F1 per mark and for capitals on both held-out sets: the baseline and the model (with and
    without the previous final's tail as left context)."""
    model_path, tables = files or (model.model, model.tables)  # type: ignore[union-attr]
    trained = HiddenEventPunctuator(model_path, tables)
    results: dict[str, dict[str, float]] = {}
    for name, conversations in (("dialogues", heldout_dialogues()), ("prompts", heldout_prompts())):
        turns = sum(len(c) for c in conversations)
        log.info("held-out %s: %d turns", name, turns)
        results[f"{name}/baseline"] = score_finals(BaselinePunctuator(), conversations).summary()
        for context in contexts:
            results[f"{name}/hidden-event context {context}"] = score_finals(
                trained, conversations, context).summary()
    return results


def train_punctuation(settings: PunctuationSettings) -> tuple[PunctuationFiles, dict[str, dict[str, float]]]:
    """Build the model from the fortunes (minus the speech samples' sentences), then score it."""
    import csv  # noqa: PLC0415

    samples = [row["sentence"] for row in csv.DictReader(settings.samples.open(encoding="utf-8"), delimiter="\t")]
    texts = fortune_texts(samples)
    log.info("%d fortune texts (those holding one of %d sample sentences left out)", len(texts), len(samples))
    files = build_punctuation_model(texts, settings.output_prefix, settings.order, settings.prune)
    scores = evaluate_text(files, contexts=(0, 4)) if settings.evaluate else {}
    if settings.speech:
        trained = HiddenEventPunctuator(files.model, files.tables)
        punctuators: dict[str, Punctuator] = {"baseline": BaselinePunctuator(), "hidden-event": trained}
        scores |= evaluate_speech(settings.samples.parent.parent, punctuators)
    return files, scores


# --- the recognizer's own output on the held-out speech ----------------------------------------

def speech_references(samples_tsv: Path) -> list[tuple[Path, str, str]]:
    """The shipped speech samples (demo.tsv): audio, normalised sentence, and the punctuated text it
    was made from (its fortune sentence, or its Asterisk prompt's transcript)."""
    import csv  # noqa: PLC0415

    from training.real_prompts import read_prompts  # noqa: PLC0415
    from training.sentences import plain_sentences  # noqa: PLC0415
    from training.text_normalization import normalize_text  # noqa: PLC0415

    originals: dict[str, str] = {}
    for prompt in read_prompts():
        originals.setdefault(normalize_text(prompt.text, "en"), prompt.text)
    entries = [entry for name in FORTUNE_FILES if (FORTUNES_DIR / name).is_file()
               for entry in fortune_entries(FORTUNES_DIR / name)]
    for sentence in plain_sentences(entries, 1, 60):
        originals.setdefault(normalize_text(sentence, "en"), sentence)
    rows = list(csv.DictReader(samples_tsv.open(encoding="utf-8"), delimiter="\t"))
    found = [(samples_tsv.parent / row["path"], row["sentence"], originals.get(row["sentence"], "")) for row in rows]
    missing = [sentence for _, sentence, original in found if not original]
    if missing:
        log.warning("no punctuated original for %d samples (left out): %s", len(missing), missing[:5])
    return [row for row in found if row[2]]


def add_aligned(scores: Scores, reference: Marked, predicted: Marked) -> None:
    """Score marks and capitals of recognised words against the reference's where the words align
    (same words, or a substitution of equal length); the rest count as misses or false marks."""
    import difflib  # noqa: PLC0415

    ref_pairs: list[int] = []
    got_pairs: list[int] = []
    matcher = difflib.SequenceMatcher(a=reference.words, b=predicted.words, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):
            ref_pairs += range(a0, a1)
            got_pairs += range(b0, b1)

    blank = ("", "", False)
    ref = list(zip(reference.words, reference.marks, reference.capitalised, strict=True))
    got = list(zip(predicted.words, predicted.marks, predicted.capitalised, strict=True))
    ref_rest = sorted(set(range(len(ref))) - set(ref_pairs))
    got_rest = sorted(set(range(len(got))) - set(got_pairs))
    ref_side = [ref[i] for i in ref_pairs + ref_rest] + [blank] * len(got_rest)
    got_side = [got[i] for i in got_pairs] + [blank] * len(ref_rest) + [got[i] for i in got_rest]
    scores.add(*(Marked(*(list(column) for column in zip(*side, strict=True))) if side else Marked()
                 for side in (ref_side, got_side)))


def evaluate_speech(model_dir: Path, punctuators: dict[str, Punctuator]) -> dict[str, dict[str, float]]:
    """F1 on the recognizer's own output (the shipped model, beam search with its n-gram, as served)
    for the held-out speech samples, each sample one final."""
    import json  # noqa: PLC0415

    from recognizer.decoding import BeamDecoder, BeamSearchOptions, LanguageModelFiles  # noqa: PLC0415
    from training.evaluate import read_served, served_engine  # noqa: PLC0415

    model = next(model_dir.glob("*.nemo"))
    decoder = json.loads(next(model_dir.glob("*.decoder.json")).read_text(encoding="utf-8"))
    engine = served_engine(model, batch_size=8)
    beam = BeamDecoder(engine.model.vocabulary,
                       BeamSearchOptions(decoder["beam_width"], decoder["alpha"], decoder["beta"]),
                       LanguageModelFiles(model_dir / decoder["kenlm_model"], model_dir / decoder["unigrams"]))
    references = speech_references(model_dir / "samples" / "demo.tsv")
    audio = [read_served(str(path), engine.model.sample_rate) for path, _, _ in references]
    recognised = [d.text.split() for d in engine.decode(engine.forward(audio), beam)]
    results = {}
    for name, punctuator in punctuators.items():
        scores = Scores()
        for (_, _, original), words in zip(references, recognised, strict=True):
            add_aligned(scores, parse(original), punctuated(punctuator, words) if words else Marked())
        results[f"speech ({len(references)} samples)/{name}"] = scores.summary()
    return results
