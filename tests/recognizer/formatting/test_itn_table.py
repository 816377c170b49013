"""docs/formatting.md's ITN table, run through NeMo's real grammars (compiled once into the cache)."""

from __future__ import annotations

import re

import pytest

from recognizer.formatting import Formatter, FormattingOptions
from recognizer.formatting.itn import NemoInverseNormalizer
from streamscribe.paths import REPO_ROOT

pytestmark = pytest.mark.slow
DOC = REPO_ROOT / "docs" / "formatting.md"


def table(name: str) -> list[tuple[str, str, str]]:
    text = DOC.read_text()
    body = re.search(rf"<!-- {name}: begin -->(.*)<!-- {name}: end -->", text, re.S)
    assert body, f"no {name} table in {DOC}"
    rows = [line.strip("|").split("|") for line in body.group(1).strip().splitlines()[2:]]
    return [(cls.strip(), spoken.strip(), written.strip()) for cls, spoken, written in rows]


@pytest.fixture(scope="module")
def itn() -> NemoInverseNormalizer:
    return NemoInverseNormalizer().load()


def test_the_table_covers_every_class_with_enough_cases() -> None:
    rows = table("itn-table")
    assert len(rows) >= 60
    assert {"money", "time", "date", "ordinal", "cardinal", "decimal", "percent", "phone", "measure"} <= {
        cls for cls, _, _ in rows}


@pytest.mark.parametrize("name", ["itn-table", "itn-quirks"])
def test_each_case_is_written_as_documented(itn: NemoInverseNormalizer, name: str) -> None:
    wrong = [(spoken, " ".join(itn.normalize(spoken)), written) for _, spoken, written in table(name)
             if " ".join(itn.normalize(spoken)) != written]
    assert wrong == []


def test_full_formatting_traces_money_to_its_words(itn: NemoInverseNormalizer) -> None:
    words = "thank you for calling your balance is twenty five dollars forty is there anything else".split()
    result = Formatter(itn).format(words, FormattingOptions("full"))
    assert result.text == "Thank you for calling your balance is $25.40 is there anything else."
    money = next(t for t in result.written if t.text == "$25.40")
    assert words[money.first:money.last + 1] == ["twenty", "five", "dollars", "forty"]


def test_card_digits_written_in_groups_keep_their_words(itn: NemoInverseNormalizer) -> None:
    words = ("four one one one " * 4).split()
    result = Formatter(itn).format(words, FormattingOptions("full"))
    assert result.text == "4111 4111 4111 4111."
    assert [(t.first, t.last) for t in result.written] == [(0, 3), (4, 7), (8, 11), (12, 15)]
