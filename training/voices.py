"""Synthetic speakers of three engines, each with a Common Voice style identity.

- espeak-ng: an accent (base voice) combined with a variant, at a speed and pitch;
- flite: its built-in voices (kal16, awb, rms, slt), at a speed;
- festival: the English voices Debian packages (kal and ked diphones, slt HTS), at a speed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# espeak-ng base voice -> Common Voice style accent label
ACCENTS = {
    "en-us": "United States English",
    "en-us-nyc": "United States English (New York)",
    "en-gb": "England English",
    "en-gb-x-rp": "England English (Received Pronunciation)",
    "en-gb-x-gbclan": "England English (Lancaster)",
    "en-gb-x-gbcwmd": "England English (West Midlands)",
    "en-gb-scotland": "Scottish English",
    "en-029": "Caribbean English",
}
# espeak-ng variant -> gender (Common Voice labels)
VARIANTS = {
    **{f"m{n}": "male_masculine" for n in range(1, 8)},
    **{f"f{n}": "female_feminine" for n in range(1, 6)},
    "klatt": "male_masculine", "klatt3": "male_masculine", "Alex": "male_masculine",
    "Andy": "male_masculine", "adam": "male_masculine", "david": "male_masculine",
    "quincy": "male_masculine", "rob": "male_masculine", "paul": "male_masculine",
    "Michael": "male_masculine", "iven": "male_masculine", "john": "male_masculine",
    "max": "male_masculine", "travis": "male_masculine", "norbert": "male_masculine",
    "Annie": "female_feminine", "linda": "female_feminine", "steph": "female_feminine",
    "belinda": "female_feminine", "aunty": "female_feminine", "shelby": "female_feminine",
}
AGES = ("teens", "twenties", "thirties", "forties", "fifties", "sixties")
# flite voice -> (gender, accent); `kal` (8 kHz) and `awb_time` (clock phrases only) left out
FLITE_VOICES = {
    "kal16": ("male_masculine", "United States English"),
    "awb": ("male_masculine", "Scottish English"),
    "rms": ("male_masculine", "United States English"),
    "slt": ("female_feminine", "United States English"),
}
# festival voice (its `voice_<name>` function) -> (gender, accent, Debian package)
FESTIVAL_VOICES = {
    "kal_diphone": ("male_masculine", "United States English", "festvox-kallpc16k"),
    "ked_diphone": ("male_masculine", "United States English", "festvox-kdlpc16k"),
    "cmu_us_slt_arctic_hts": ("female_feminine", "United States English", "festvox-us-slt-hts"),
}
ENGINES = ("espeak-ng", "flite", "festival")


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: espeak-ng voice `base+variant` with its prosody."""

    base: str
    variant: str
    words_per_minute: int
    pitch: int
    amplitude: int
    age: str

    engine = "espeak-ng"

    @property
    def voice(self) -> str:
        """The espeak-ng `-v` argument."""
        return f"{self.base}+{self.variant}"

    @property
    def client_id(self) -> str:
        """A stable Common Voice style speaker id."""
        return f"{self.base}_{self.variant}_s{self.words_per_minute}_p{self.pitch}"

    @property
    def gender(self) -> str:
        return VARIANTS[self.variant]

    @property
    def accent(self) -> str:
        return ACCENTS[self.base]


def random_speaker(rng: random.Random) -> Speaker:
    """A speaker with a random accent, variant, speed (130-195 wpm) and pitch (25-75)."""
    return Speaker(
        base=rng.choice(sorted(ACCENTS)),
        variant=rng.choice(sorted(VARIANTS)),
        words_per_minute=rng.randrange(130, 196, 5),
        pitch=rng.randrange(25, 76, 5),
        amplitude=rng.randrange(70, 151, 10),
        age=rng.choice(AGES),
    )


@dataclass(frozen=True)
class TtsSpeaker:
    """A flite or festival voice at a speaking rate (`stretch` > 1: slower)."""

    engine: str
    voice: str
    stretch: float
    age: str

    @property
    def client_id(self) -> str:
        return f"{self.engine}_{self.voice}_x{self.stretch:.2f}"

    @property
    def gender(self) -> str:
        return (FLITE_VOICES if self.engine == "flite" else FESTIVAL_VOICES)[self.voice][0]

    @property
    def accent(self) -> str:
        return (FLITE_VOICES if self.engine == "flite" else FESTIVAL_VOICES)[self.voice][1]


AnySpeaker = Speaker | TtsSpeaker


def random_speaker_of(engine: str, rng: random.Random) -> AnySpeaker:
    """A random speaker of one engine (speaking rate 0.85-1.2 for flite and festival)."""
    if engine == "espeak-ng":
        return random_speaker(rng)
    if engine not in ENGINES:
        raise ValueError(f"unknown synthesis engine {engine!r}; known: {', '.join(ENGINES)}")
    voices = FLITE_VOICES if engine == "flite" else FESTIVAL_VOICES
    return TtsSpeaker(engine, rng.choice(sorted(voices)), round(rng.uniform(0.85, 1.2), 2), rng.choice(AGES))
