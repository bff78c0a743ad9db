"""The build-history rules read a step as its tool runs it: the flag that verifies a download is
no finding, the spellings that turn verification off are."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.detector_cases import _history_case
from tests.detectors.test_rules import scan_spec


@pytest.mark.parametrize(
    ("rule", "bad", "good"),
    [
        (
            "IA-BUILD-ADD-URL",
            "ADD --chown=1000 https://example.com/tool.tgz /opt/",
            "ADD --chown=1000 --checksum=sha256:24454f830cdb https://example.com/tool.tgz /opt/",
        ),
        (
            "IA-BUILD-PIPE-SHELL",
            "RUN curl -fsSL https://x.sh | sudo -E bash",
            "RUN curl -o x https://x",
        ),
        (
            "IA-BUILD-TLS-OFF",
            "RUN git -c http.sslVerify=false clone https://x",
            "RUN git clone https://x",
        ),
        (
            "IA-BUILD-TLS-OFF",
            "RUN npm config set strict-ssl false",
            "RUN npm config set fund false",
        ),
        ("IA-BUILD-TLS-OFF", "ENV NODE_TLS_REJECT_UNAUTHORIZED=0", "ENV NODE_ENV=production"),
        ("IA-BUILD-CHMOD-777", "RUN chmod -Rf 777 /app", "RUN chmod -Rf 755 /app"),
    ],
)
def test_a_build_step_is_judged_as_its_tool_reads_it(
    rule: str, bad: str, good: str, tmp_path: Path
) -> None:
    case = _history_case(rule, bad, good)
    found = {f.rule_id for f in scan_spec(case.positive, tmp_path, "bad").findings}
    kept = {f.rule_id for f in scan_spec(case.negative, tmp_path, "good").findings}
    assert rule in found and rule not in kept


def test_curl_s_config_file_flag_is_not_its_insecure_flag(tmp_path: Path) -> None:
    """-k is --insecure; -K names a config file."""
    case = _history_case("IA-BUILD-TLS-OFF", "RUN curl -K /etc/curlrc https://x", "RUN true")
    assert "IA-BUILD-TLS-OFF" not in {
        f.rule_id for f in scan_spec(case.positive, tmp_path, "K").findings
    }


def test_an_apt_update_finding_says_what_the_step_lacks(tmp_path: Path) -> None:
    for line, why in (
        ("RUN apt-get update", "no install in the same step"),
        ("RUN apt-get update && apt-get install -y curl", "package lists are not removed"),
    ):
        case = _history_case("IA-BUILD-APT-UPDATE", line, "RUN true")
        report = scan_spec(case.positive, tmp_path, "apt")
        [found] = [f for f in report.findings if f.rule_id == "IA-BUILD-APT-UPDATE"]
        assert why in found.evidence
