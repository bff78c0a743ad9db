"""detect-secrets without an HTTP client: the `requests` it imports is a stand-in that refuses.

detect-secrets 1.5.0 imports `requests` in its plugin base class, nine plugins and one filter,
for one purpose: verification, which sends a found secret to its service to ask whether it is
live.
image-audit never verifies (it is offline by design, and sending an auditee's secret anywhere
would be a disclosure), yet importing `requests` and urllib3 with it cost 85-140 ms of every
run, before any work could start on either core.

`install()` puts a module named `requests` in `sys.modules` that has what detect-secrets
touches of it: `Response` (evaluated as a return annotation at import), `exceptions.
RequestException` (what its verify methods catch) and `get`/`post`, which raise that exception
without opening a socket, so a verification reached by any path reports "unverified". It is
installed only where no `requests` is loaded yet: a host program that imported the real one
keeps it (image-audit still never calls it).
"""

from __future__ import annotations

import sys
import types
from typing import Any, NoReturn

MODULE = "requests"
"""The name detect-secrets imports."""


class RequestException(OSError):
    """The stand-in's only error: every request is refused."""


class Response:
    """Named in detect-secrets' annotations; never made."""


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise RequestException("image-audit is offline: no secret is sent anywhere to be verified")


def install() -> bool:
    """Put the stand-in in place unless some `requests` is already imported; True if it was."""
    if MODULE in sys.modules:
        return False
    exceptions = types.ModuleType(f"{MODULE}.exceptions", "image-audit's offline stand-in")
    exceptions.RequestException = RequestException  # type: ignore[attr-defined]
    stand_in = types.ModuleType(MODULE, __doc__)
    stand_in.exceptions = exceptions  # type: ignore[attr-defined]
    stand_in.Response = Response  # type: ignore[attr-defined]
    stand_in.RequestException = RequestException  # type: ignore[attr-defined]
    stand_in.get = stand_in.post = stand_in.request = _refuse  # type: ignore[attr-defined]
    stand_in.IMAGE_AUDIT_STAND_IN = True  # type: ignore[attr-defined]
    sys.modules[exceptions.__name__] = exceptions
    sys.modules[MODULE] = stand_in
    return True


def is_stand_in(module: object) -> bool:
    """Whether `module` is this stand-in (not the real requests)."""
    return getattr(module, "IMAGE_AUDIT_STAND_IN", False) is True
