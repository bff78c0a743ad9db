"""Where a keyword or entropy guess is a credential: an assignment in its context.

A value given to a secret name in configuration, a credential-shaped literal in code: those are
the structure's "keyword" hits, which make detect-secrets' guesses findings. Names of
databases, prompts, alphabets and test vectors are not.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.secrets.filekind import FileKind, file_kind
from analyzer.secrets.structure import structural_hits

NSSWITCH = b"""# /etc/nsswitch.conf
passwd:         files
group:          files
shadow:         files
gshadow:        files
hosts:          files dns
"""
OPENSSL_CNF = b"""[ req_attributes ]
challengePassword		= A challenge password
challengePassword_min		= 4

[insta] # CMP using Insta Demo CA
server = pki.certificate.fi:8700
secret = pass:insta # can be used for both client and server side

[pbm] # Password-based protection for Insta CA
secret = $insta::secret # pass:insta
"""


def keywords(path: str, data: bytes) -> list[tuple[int, str]]:
    return [(h.line, h.value) for h in structural_hits(path, data) if h.kind == "keyword"]


@pytest.mark.parametrize(
    ("path", "head", "kind"),
    [
        ("/etc/nsswitch.conf", b"", FileKind.CONFIG),
        ("/etc/chromium.d/apikeys", b"# shell", FileKind.CONFIG),
        ("/srv/app/config/db.json", b"{", FileKind.CONFIG),
        ("/srv/app/appsettings.json", b"{", FileKind.CONFIG),
        ("/home/app/.npmrc", b"", FileKind.CONFIG),
        ("/app/docker-compose.yml", b"", FileKind.CONFIG),
        ("/app/.env.production", b"", FileKind.DOTENV),
        ("/root/.bash_history", b"", FileKind.HISTORY),
        ("/usr/lib/python3.11/secrets.py", b"", FileKind.CODE),
        ("/app/config.py", b"", FileKind.CODE),
        ("/usr/include/rpcsvc/key_prot.h", b"", FileKind.CODE),
        ("/usr/bin/c_rehash", b"#!/usr/bin/perl", FileKind.CODE),
        ("/usr/share/tcltk/tcl8.6/encoding/cp949.enc", b"", FileKind.DATA),
        ("/usr/share/doc/python3/README.md", b"", FileKind.DATA),
        ("/app/package.json", b"{", FileKind.DATA),
    ],
)
def test_a_file_is_configuration_code_or_data_by_its_place_name_and_first_bytes(
    path: str, head: bytes, kind: FileKind
) -> None:
    assert file_kind(path, head) is kind


def test_a_name_database_is_no_password() -> None:
    """`passwd: files` names the user database; `files` is what every database is set to."""
    assert keywords("/etc/nsswitch.conf", NSSWITCH) == []


def test_detect_secrets_keyword_guess_on_a_shared_setting_is_no_finding() -> None:
    """detect-secrets' keyword plugin reads `passwd: files` as a password: the examiner drops
    its guess where the value is one several other settings of the file share (the official
    busybox image's nsswitch.conf gave a finding before), and keeps a real one beside it."""
    from analyzer.secrets.engine import SecretEngine  # noqa: PLC0415
    from analyzer.secrets.sink import Examiner  # noqa: PLC0415

    examiner = Examiner(SecretEngine())
    assert examiner.examine("/etc/nsswitch.conf", NSSWITCH)[0] == ()
    mixed = NSSWITCH + b"password: Kq4-Rt8vWm2xLp9s\n"
    [hit] = examiner.examine("/etc/app.conf", mixed)[0]
    assert (hit.line, hit.redacted.length) == (7, 16)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/etc/sudoers.d/app", b"app ALL=(ALL) NOPASSWD: ALL\n"),
        ("/etc/sudoers", b"root ALL=(ALL:ALL) ALL\n%admin ALL=(ALL) PASSWD: ALL\n"),
    ],
)
def test_a_sudo_rule_is_no_credential(path: str, text: bytes) -> None:
    """`NOPASSWD: ALL` (how images give their user sudo) is a tag on a rule: before, it was a
    medium finding "NOPASSWD in a configuration file" wherever no package owned the file."""
    from analyzer.secrets.engine import SecretEngine  # noqa: PLC0415
    from analyzer.secrets.sink import Examiner  # noqa: PLC0415

    assert Examiner(SecretEngine()).examine(path, text)[0] == ()


def test_a_prompt_a_demo_section_and_a_reference_are_no_passwords() -> None:
    assert keywords("/etc/ssl/openssl.cnf", OPENSSL_CNF) == []


def test_the_same_setting_outside_a_demo_section_is_a_credential() -> None:
    text = OPENSSL_CNF.replace(b"[insta] # CMP using Insta Demo CA", b"[ca_client]")
    assert keywords("/etc/ssl/openssl.cnf", text) == [(7, "pass:insta")]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (b"[db]\npassword = Kp9-mXt2\n", [(2, "Kp9-mXt2")]),
        (b"database:\n  password: 'hunter2'\n", [(2, "hunter2")]),
        (b'{"db": {"user": "app", "password": "s3cr3t!"}}\n', [(1, "s3cr3t!")]),
        (b"#password = Kp9-mXt2\n", []),  # commented out
        (b"password_encryption = scram-sha-256\n", []),  # a setting about passwords
        (b"password_file = /run/secrets/db\n", []),
        (b"password = ${DB_PASSWORD}\npassword = $DB_PASSWORD\n", []),
        (b"password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n", []),
        (b"password = `cat /run/secrets/db`\n", []),
        (b"password = os.environ\n", []),
        (b"password = true\ntoken_ttl = 3600\n", []),
    ],
    ids=[
        "ini",
        "yaml",
        "json",
        "commented",
        "setting-about-passwords",
        "file-reference",
        "variables",
        "vault",
        "command",
        "code-reference",
        "switches",
    ],
)
def test_a_value_given_to_a_secret_name_in_configuration(
    text: bytes, found: list[tuple[int, str]]
) -> None:
    assert keywords("/etc/app/app.conf", text) == found


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ('password = "cfg-Q8Zr2Lm0Tv7Wx3Yk9Pa1"', ["cfg-Q8Zr2Lm0Tv7Wx3Yk9Pa1"]),
        ("DB_PASSWORD=Kp9-mXt2Lq", ["Kp9-mXt2Lq"]),  # a shell assignment
        ('SECRET_KEY = "8f3a9c0d1e2b4a5f6e7d8c9b"', ["8f3a9c0d1e2b4a5f6e7d8c9b"]),
        ('password => "TextInput",', []),  # a type name
        ('private_key: "_DSAPrivateKey", data: bytes', []),  # an annotation
        ("passwd='geheim$parole')", []),  # a word and a sign: a docstring's example
        ("'MODULE_PWD_STATE': 'yes',", []),
        ('_b32alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"', []),  # not a secret name
        ('token = "2YotnFZFEjr1zCsicMWpAA"', []),  # a token format has its own plugins
        ('password = get_password("db")', []),
        ('# password = "cfg-Q8Zr2Lm0Tv7Wx3Yk9Pa1"', []),
    ],
)
def test_a_credential_shaped_literal_in_code(line: str, found: list[str]) -> None:
    values = [v for _, v in keywords("/app/db/session.py", line.encode() + b"\n")]
    assert values == found


def test_a_data_file_holds_no_credential_assignment() -> None:
    text = b"Set password = Kp9-mXt2Lq in the admin page.\n"
    assert keywords("/usr/share/doc/app/README.md", text) == []


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    value=_WORD,
    others=st.lists(st.sampled_from(["group", "shadow", "hosts", "rpc"]), min_size=2, unique=True),
)
def test_a_value_several_settings_share_is_an_option_not_a_password(
    value: str, others: list[str]
) -> None:
    text = "".join(f"{name}: {value}\n" for name in ["passwd", *others]).encode()
    assert keywords("/etc/nsswitch.conf", text) == []


@settings(max_examples=60, deadline=None)
@given(
    value=st.text(
        alphabet=st.characters(categories=["Lu", "Ll", "Nd"], max_codepoint=127),
        min_size=4,
        max_size=20,
    )
    .filter(lambda v: "EXAMPLE" not in v.upper())  # AWS's documented keys say EXAMPLE
    .filter(lambda v: "XXXXXXXX" not in v.upper())  # a masked key
    .map(lambda v: f"Zx9-{v}"),
    name=st.sampled_from(["password", "DB_PASSWORD", "client_secret", "apiKey"]),
)
def test_a_credential_assigned_in_a_settings_file_is_found_whatever_it_is(
    value: str, name: str
) -> None:
    assert keywords("/srv/app/settings.yaml", f"{name}: {value}\n".encode()) == [(1, value)]
