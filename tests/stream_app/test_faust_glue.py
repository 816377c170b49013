"""The stream app refuses to start on a faust-streaming it was not tested with."""

from __future__ import annotations

import pytest

from stream_app.faust_glue import release, require_tested_faust
from streamscribe.errors import ConfigurationError


def test_the_installed_faust_is_a_tested_one() -> None:
    require_tested_faust()


@pytest.mark.parametrize("installed", ["0.15.2", "0.16.0", "0.16.0rc1", "1.0.0"])
def test_an_untested_faust_is_refused_with_the_tested_range(installed: str) -> None:
    refusal = rf"faust-streaming {installed} is not a tested version.*>=0\.15\.3,<0\.16"
    with pytest.raises(ConfigurationError, match=refusal):
        require_tested_faust(installed)


def test_release_numbers_ignore_pre_release_and_local_parts() -> None:
    assert release("0.15.3") == (0, 15, 3)
    assert release("0.15.10+local.1") == (0, 15, 10)
    require_tested_faust("0.15.10")
