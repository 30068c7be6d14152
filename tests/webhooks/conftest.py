from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webhooks.helpers import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 in a thread, for the test's duration."""
    found = Receiver()
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()
