"""detect-secrets runs without an HTTP client: the `requests` it imports is image-audit's
stand-in, which refuses every request, so no secret can be sent anywhere to be verified and a
scan does not pay for importing requests and urllib3. Each test runs in a fresh interpreter:
what is imported first is the point."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap


def run_python(code: str) -> dict[str, object]:
    """Run `code` in a fresh interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_scan_imports_detect_secrets_without_an_http_client() -> None:
    found = run_python(
        """
        import json, sys
        import analyzer.cli, analyzer.scan  # everything a scan imports
        from analyzer.secrets.dscompat import dsbridge, offline
        dsbridge.configure()
        print(json.dumps({
            "stand_in": offline.is_stand_in(sys.modules["requests"]),
            "loaded": sorted(m for m in ("urllib3", "http.client", "ssl") if m in sys.modules),
        }))
        """
    )
    assert found == {"stand_in": True, "loaded": []}


def test_a_verification_detect_secrets_reaches_is_refused_and_reported_unverified() -> None:
    # image-audit never turns detect-secrets' verification on; turned on here, its own path
    # (format_scan_result asks the plugin's verify(), which would POST the token to slack.com)
    # is refused by the stand-in before any socket is opened.
    found = run_python(
        """
        import json, socket
        def no_network(*args, **kwargs):
            raise AssertionError("a socket was opened")
        socket.socket.connect = no_network
        socket.create_connection = no_network
        import analyzer.secrets.dscompat.dsbridge  # noqa: F401 (installs the stand-in)
        import requests
        from detect_secrets.core.potential_secret import PotentialSecret
        from detect_secrets.constants import VerifiedResult
        from detect_secrets.plugins.slack import SlackDetector
        from detect_secrets.settings import get_settings
        policy = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
        get_settings().filters[policy] = {"min_level": VerifiedResult.UNVERIFIED.value}
        secret = PotentialSecret("Slack Token", "f", "xoxb-1-0123456789abcdef")
        try:
            requests.post("https://slack.com/api/auth.test")
            refused = ""
        except requests.exceptions.RequestException as exc:
            refused = str(exc)
        print(json.dumps({
            "result": SlackDetector().format_scan_result(secret),
            "refused": refused,
        }))
        """
    )
    assert found["result"] == "True  (unverified)"
    assert "offline" in str(found["refused"])


def test_a_requests_already_imported_is_left_alone() -> None:
    found = run_python(
        """
        import json, sys, types
        real = types.ModuleType("requests")  # stands for a host program's own requests
        sys.modules["requests"] = real
        from analyzer.secrets.dscompat import offline
        print(json.dumps({"kept": sys.modules["requests"] is real,
                          "installed_again": offline.install()}))
        """
    )
    assert found == {"kept": True, "installed_again": False}
