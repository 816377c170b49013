"""espeak-ng speakers: an accent (base voice) combined with a variant, at a speed and pitch."""

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


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: espeak-ng voice `base+variant` with its prosody."""

    base: str
    variant: str
    words_per_minute: int
    pitch: int
    amplitude: int
    age: str

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
