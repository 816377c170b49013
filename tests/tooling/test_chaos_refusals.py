"""A chaos run's report survives chunks the stream app refused (they are counted, not raised)."""

from __future__ import annotations

import logging

import pytest

from producers.errors import DeliveryError
from tooling.chaos.run import refusals_logged


class RefusedAtClose:
    """A producer whose close reports refused chunks (as the SDK does when the stream app refused some)."""

    closed = False

    def close(self) -> None:
        self.closed = True
        raise DeliveryError([])


def test_refused_chunks_are_logged_at_close_and_the_run_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    producer = RefusedAtClose()
    with caplog.at_level(logging.WARNING), refusals_logged(producer) as used:  # type: ignore[arg-type]
        assert used is producer
    assert producer.closed and "refused" in caplog.text


def test_other_failures_still_raise() -> None:
    with pytest.raises(RuntimeError), refusals_logged(RefusedAtClose()):  # type: ignore[arg-type]
        raise RuntimeError("the run itself failed")
