"""`streamscribe format`: spoken text in, written text out."""

from __future__ import annotations

import io
import json

import pytest

from tooling.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    assert main(["format", *argv]) == 0
    return capsys.readouterr().out.splitlines()


def test_words_given_as_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--formatting", "punctuated", "i", "think", "so") == ["I think so."]


def test_one_result_per_line_of_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Call Five Five Five One Two Three Four Five Six Seven\nhello\n"))
    assert run(capsys, "--formatting", "raw", "--redact", "pii") == ["call [PHONE]", "hello"]


def test_json_traces_written_tokens(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMSCRIBE_FORMAT_REDACT", "pii")
    (line,) = run(capsys, "--formatting", "punctuated", "--json", "card", "four", *["one"] * 15)
    assert json.loads(line) == {
        "text": "Card [CARD].", "words": ["card", "[CARD]"],
        "written": [{"text": "Card", "first_word": 0, "last_word": 0}, {"text": "[CARD].", "first_word": 1,
                                                                          "last_word": 1}],
    }


def test_unknown_level_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["format", "--formatting", "pretty", "hello"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.slow
def test_full_formatting_with_nemo_grammars(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "your balance is twenty five dollars forty") == ["Your balance is $25.40."]
