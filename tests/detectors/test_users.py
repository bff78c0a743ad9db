"""IA-USER-ROOT: the config's User is judged as runc reads it, so every spelling of uid 0 that
starts the container as root is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.detectors.users import numeric_uid
from fixtures.detector_cases import clean_image
from tests.detectors.test_rules import scan_spec


@pytest.mark.parametrize("user", ["+0", "+0:+0", "-0", "+00:1000"])
def test_a_signed_zero_user_runs_as_root_and_is_reported(user: str, tmp_path: Path) -> None:
    """Go's strconv.Atoi, which runc and Docker read a numeric User with, takes a sign: "+0"
    is uid 0, as "0" and "00" are."""
    report = scan_spec(clean_image(user=user), tmp_path, "signed")
    [finding] = [f for f in report.findings if f.rule_id == "IA-USER-ROOT"]
    assert finding.evidence == f"User {user!r} is uid 0"


def test_a_numeric_user_is_read_as_go_s_atoi_reads_it() -> None:
    assert [numeric_uid(u) for u in ("+0", "-0", "00", "+1000", "1000")] == [0, 0, 0, 1000, 1000]
    # not numbers to Atoi (an Arabic-Indic zero, an underscore, a bare sign): names, not uid 0
    assert [numeric_uid(u) for u in ("\u0660", "1_0", "+", "", "root")] == [None] * 5


def test_a_switch_word_given_to_a_password_is_no_secret_and_leaves_the_evidence_whole(
    tmp_path: Path,
) -> None:
    """`password = "yes"` and Perl's `d_pwpasswd='define'` set switches; as secrets, "yes" and
    "define" were redacted wherever the tool wrote them ("PermitRootLogin y... (3 chars...)",
    "no HEALTHCHECK de... (6 chars...)d" on a Debian image)."""
    from fixtures.detector_cases import _dir, _program, base  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415

    layer = base(
        _program("usr/sbin/sshd"),
        _dir("etc/ssh"),
        FileSpec("etc/ssh/sshd_config", b"PermitRootLogin yes\n"),
        _dir("opt"),
        FileSpec("opt/settings.py", b"password = \"yes\"\nd_pwpasswd = 'define'\n"),
    )
    report = scan_spec(clean_image(layer, healthcheck=None), tmp_path, "switches")
    [ssh] = [f for f in report.findings if f.rule_id == "IA-SSH-ROOT-LOGIN"]
    assert "PermitRootLogin yes" in ssh.evidence
    [health] = [f for f in report.findings if f.rule_id == "IA-NO-HEALTHCHECK"]
    assert "..." not in health.evidence
    assert [f.path for f in report.findings if f.path == "/opt/settings.py"] == []


def test_a_nopasswd_rule_is_shown_whole_and_a_commented_one_is_none(tmp_path: Path) -> None:
    """sudo ignores a comment however it is indented; the evidence says what the rule lets
    its user run without a password."""
    from fixtures.detector_cases import _dir, base  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415

    sudoers = b"  # app ALL=(ALL) NOPASSWD: ALL\n\tdeploy ALL=(root) NOPASSWD: /usr/bin/systemctl\n"
    layer = base(_dir("etc/sudoers.d"), FileSpec("etc/sudoers.d/app", sudoers, mode=0o440))
    report = scan_spec(clean_image(layer), tmp_path, "sudo")
    assert [f.evidence for f in report.findings if f.rule_id == "IA-SUDO-NOPASSWD"] == [
        "sudoers rule: deploy ALL=(root) NOPASSWD: /usr/bin/systemctl"
    ]


def test_a_user_name_the_image_does_not_hold_is_reported_and_runc_s_first_line_wins(
    tmp_path: Path,
) -> None:
    """runc refuses a User name with no passwd line (the container does not start as built)
    and, for a name on two lines, takes the first."""
    from fixtures.detector_cases import PASSWD, base  # noqa: PLC0415

    report = scan_spec(clean_image(user="scratch"), tmp_path, "unknown")
    [unknown] = [f for f in report.findings if f.rule_id == "IA-USER-UNKNOWN"]
    assert unknown.evidence == "User 'scratch': /etc/passwd has no such account"
    assert unknown.severity.value == "medium"
    twice = PASSWD + b"ops:x:0:0::/root:/bin/sh\nops:x:1000:1000::/home/ops:/bin/sh\n"
    report = scan_spec(clean_image(base(passwd=twice), user="ops"), tmp_path, "twice")
    assert "IA-USER-ROOT" in {f.rule_id for f in report.findings}


def test_an_empty_password_is_judged_where_login_reads_it(tmp_path: Path) -> None:
    """pam_unix reads /etc/shadow only for an "x" in /etc/passwd: an empty passwd field is
    no password whatever shadow says, and the finding names the file that holds it."""
    from fixtures.detector_cases import base  # noqa: PLC0415

    passwd = (
        b"root:x:0:0:root:/root:/bin/sh\nopen::1001:1001::/:/bin/sh\n"
        b"viaShadow:x:1002:1002::/:/bin/sh\n"
    )
    shadow = b"root:*:19000::::::\nopen:!:19000::::::\nviaShadow::19000::::::\n"
    report = scan_spec(clean_image(base(passwd=passwd, shadow=shadow)), tmp_path, "empty")
    found = {(f.path, f.evidence) for f in report.findings if f.rule_id == "IA-EMPTY-PASSWORD"}
    assert found == {
        ("/etc/passwd", "account 'open' has an empty password field"),
        ("/etc/shadow", "account 'viaShadow' has an empty password field"),
    }


def test_sshd_config_is_read_as_sshd_reads_it(tmp_path: Path) -> None:
    """Debian's sshd_config includes sshd_config.d/*.conf first, and sshd keeps a keyword's
    first value: a drop-in's `no` wins over a later `yes`; a file the glob does not name is not
    read; a `yes` under a Match block holds only for what it matches (medium)."""
    from fixtures.detector_cases import _dir, _program, base  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415

    main = (
        b"Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n"
        b"Match Address 10.0.0.0/8\n  PermitEmptyPasswords yes\n"
    )
    layer = base(
        _program("usr/sbin/sshd"),
        _dir("etc/ssh"),
        _dir("etc/ssh/sshd_config.d"),
        FileSpec("etc/ssh/sshd_config", main),
        FileSpec("etc/ssh/sshd_config.d/10-hardening.conf", b"PermitRootLogin no\n"),
        FileSpec("etc/ssh/sshd_config.d/old.conf.bak", b"PermitRootLogin yes\n"),
    )
    report = scan_spec(clean_image(layer), tmp_path, "sshd")
    found = {
        (f.path, f.severity.value, f.evidence)
        for f in report.findings
        if f.rule_id == "IA-SSH-ROOT-LOGIN"
    }
    assert found == {
        (
            "/etc/ssh/sshd_config",
            "medium",
            "sshd is installed and PermitEmptyPasswords yes for Match 'Address 10.0.0.0/8'",
        )
    }


def test_defaults_not_authenticate_is_sudo_without_a_password(tmp_path: Path) -> None:
    from fixtures.detector_cases import base  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415

    sudoers = b"Defaults !authenticate\n# Defaults !authenticate\napp ALL=(ALL) ALL\n"
    layer = base(FileSpec("etc/sudoers", sudoers, mode=0o440))
    report = scan_spec(clean_image(layer), tmp_path, "auth")
    assert [f.evidence for f in report.findings if f.rule_id == "IA-SUDO-NOPASSWD"] == [
        "sudoers: Defaults !authenticate (no sudo rule asks for a password)"
    ]


def test_sshd_includes_that_include_each_other_are_read_a_bounded_number_of_times(
    tmp_path: Path,
) -> None:
    """Twelve drop-ins each including all twelve would be 12**16 reads within sshd's include
    depth; the reader stops at a few hundred files (the child is bounded in time)."""
    from fixtures.detector_cases import _dir, _program, base  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415
    from tests.bounded import run_bounded  # noqa: PLC0415

    loop = b"Include /etc/ssh/sshd_config.d/*.conf\n"
    drop_ins = [FileSpec(f"etc/ssh/sshd_config.d/{i:02}.conf", loop) for i in range(12)]
    layer = base(
        _program("usr/sbin/sshd"),
        _dir("etc/ssh"),
        _dir("etc/ssh/sshd_config.d"),
        FileSpec("etc/ssh/sshd_config", loop + b"PermitRootLogin yes\n"),
        *drop_ins,
    )
    archive = write_docker_archive([clean_image(layer)], tmp_path / "loop.tar")
    outcome = run_bounded(
        "from pathlib import Path\n"
        "from analyzer.scan import scan_archive\n"
        f"[report] = scan_archive(Path({str(archive)!r})).images\n"
        "assert 'IA-SSH-ROOT-LOGIN' in {f.rule_id for f in report.findings}"
    )
    assert outcome.line == "OK"


def test_a_long_run_of_blanks_in_sshd_config_is_read_in_linear_time(tmp_path: Path) -> None:
    from fixtures.detector_cases import _dir, _program, base  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415
    from tests.bounded import run_bounded  # noqa: PLC0415

    config = b"PermitRootLogin no" + b" " * 300_000 + b"x\nPermitEmptyPasswords yes \r\n"
    layer = base(
        _program("usr/sbin/sshd"), _dir("etc/ssh"), FileSpec("etc/ssh/sshd_config", config)
    )
    archive = write_docker_archive([clean_image(layer)], tmp_path / "blanks.tar")
    outcome = run_bounded(
        "from pathlib import Path\n"
        "from analyzer.scan import scan_archive\n"
        f"[report] = scan_archive(Path({str(archive)!r})).images\n"
        "found = [f.evidence for f in report.findings if f.rule_id == 'IA-SSH-ROOT-LOGIN']\n"
        "assert found == ['sshd is installed and PermitEmptyPasswords yes'], found"
    )
    assert outcome.line == "OK"
