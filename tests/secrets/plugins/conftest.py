"""Leave detect-secrets as its built-ins after these tests.

detect-secrets keeps one process-wide configuration, and its `default_settings()` enables every
plugin the current configuration knows, custom ones included: a later reference scan (the
engine's equivalence tests) must not inherit image-audit's plugins from here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from analyzer.secrets.dscompat import dsbridge


@pytest.fixture(autouse=True, scope="module")
def _restore_builtin_plugins() -> Iterator[None]:
    yield
    dsbridge.configure(())
