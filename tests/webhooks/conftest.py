from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webhooks.helpers import Receiver, serving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 in a thread, for the test's duration."""
    yield from serving()
