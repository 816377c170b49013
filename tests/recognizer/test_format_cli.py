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
    out = json.loads(line)
    assert out["words"] == ["card", "[CARD]"]
    assert [(t["first_word"], t["last_word"]) for t in out["written"]] == [(0, 0), (1, 1)]
    assert out["text"] == " ".join(t["text"] for t in out["written"])
    assert out["text"] in ("Card [CARD].", "Card [CARD]?")  # the end mark is the punctuation model's choice


def test_unknown_level_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["format", "--formatting", "pretty", "hello"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.slow
def test_full_formatting_with_nemo_grammars(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "your balance is twenty five dollars forty") == ["Your balance is $25.40."]
