"""Structural secret recognition: one positive and one near miss per kind, plus hostile input.

Every secret below is generated here (random bytes from a seeded generator); none is real.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import struct
from pathlib import Path

import pytest

from analyzer.secrets.structure import StructuralHit, is_placeholder, structural_hits, wants_path
from fixtures.keys import pem_block

REALWORLD_SECRETS = Path("../shared/realworld/secrets")


def token(seed: int, size: int = 30) -> str:
    """A fake credential: url-safe base64 of seeded random bytes (no '=' padding)."""
    raw = random.Random(seed).randbytes(size)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=").replace("-", "Q").replace("_", "z")


def b64_lines(raw: bytes, width: int = 64) -> list[str]:
    text = base64.b64encode(raw).decode()
    return [text[i : i + width] for i in range(0, len(text), width)]


def pem(label: str, seed: int = 1, headers: tuple[str, ...] = ()) -> tuple[str, str]:
    """A PEM block whose body is a real key of its label, and the body as reported."""
    return pem_block(label, seed, headers)


def openssh_key(cipher: bytes, seed: int = 2) -> tuple[str, str]:
    blob = b"openssh-key-v1\x00" + struct.pack(">I", len(cipher)) + cipher
    blob += random.Random(seed).randbytes(300)
    lines = b64_lines(blob, 70)
    label = "OPENSSH PRIVATE KEY"
    text = "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])
    return text, "".join(lines)


def hits(path: str, text: str | bytes) -> list[StructuralHit]:
    return structural_hits(path, text.encode() if isinstance(text, str) else text)


def kinds(path: str, text: str | bytes) -> list[str]:
    return [h.kind for h in hits(path, text)]


# ---- ssh-host-key and private-key ---------------------------------------------------------------


def test_ssh_host_key_is_reported_as_shared_host_key_not_generic_private_key() -> None:
    block, body = openssh_key(b"none")
    found = hits("/etc/ssh/ssh_host_ed25519_key", block)
    assert [(h.kind, h.line, h.value) for h in found] == [("ssh-host-key", 1, body)]
    assert "not encrypted" in found[0].detail


def test_ssh_host_public_key_is_not_a_hit() -> None:
    line = f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{token(3, 24)} root@buildhost\n"
    assert hits("/etc/ssh/ssh_host_ed25519_key.pub", line) == []


def test_host_key_name_outside_etc_ssh_is_a_plain_private_key() -> None:
    block, _ = openssh_key(b"none")
    assert kinds("/tmp/ssh_host_rsa_key", block) == ["private-key"]


def test_rsa_private_key_yields_its_body_and_begin_line() -> None:
    block, body = pem("RSA PRIVATE KEY")
    found = hits("/app/config/tls.txt", "# server key\n\n" + block)
    assert [(h.kind, h.line, h.value) for h in found] == [("private-key", 3, body)]
    assert found[0].detail == "RSA (PKCS#1) private key, not encrypted"
    assert body not in found[0].detail


@pytest.mark.parametrize(
    ("label", "headers", "cipher"),
    [
        ("RSA PRIVATE KEY", ("Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,0011AABB"), "AES"),
        ("ENCRYPTED PRIVATE KEY", (), "PKCS#8 PBE"),
    ],
)
def test_encrypted_pem_key_says_it_is_passphrase_protected(
    label: str, headers: tuple[str, ...], cipher: str
) -> None:
    block, body = pem(label, headers=headers)
    (found,) = hits("/srv/key.pem", block)
    assert found.value == body
    assert "encrypted with a passphrase" in found.detail and cipher in found.detail


def test_encrypted_openssh_key_names_its_cipher() -> None:
    block, _ = openssh_key(b"aes256-ctr")
    (found,) = hits("/home/app/.ssh/id_ed25519", block)
    assert found.detail == "OpenSSH private key, encrypted with a passphrase (aes256-ctr)"


def test_private_key_with_json_escaped_newlines_is_found() -> None:
    block, body = pem("PRIVATE KEY", seed=7)
    doc = json.dumps({"name": "svc", "tls": {"key": block}}, indent=2)
    (found,) = hits("/app/settings.json", doc)
    assert (found.kind, found.value, found.line) == ("private-key", body, 4)


def test_private_key_indented_in_yaml_with_crlf_line_ends_is_found() -> None:
    block, body = pem("EC PRIVATE KEY", seed=14)
    yaml = "tls:\n  key: |\n" + "".join(f"    {line}\n" for line in block.splitlines())
    (found,) = hits("/app/values.yaml", yaml.replace("\n", "\r\n"))
    assert (found.kind, found.line, found.value) == ("private-key", 3, body)
    assert found.detail == "EC private key, not encrypted"


def test_key_in_a_binary_data_file_is_found_but_not_in_an_executable() -> None:
    block, body = pem("PRIVATE KEY", seed=15)
    sqlite = b"SQLite format 3\x00" + bytes(100) + block.encode() + bytes(50)
    assert [(h.kind, h.value) for h in hits("/root/.config/gcloud/credentials.db", sqlite)] == [
        ("private-key", body)
    ]
    elf = b"\x7fELF\x02\x01\x01" + bytes(200) + block.encode()
    assert hits("/usr/lib/x86_64-linux-gnu/libgnutls.so.30", elf) == []


def test_pgp_private_key_block_is_found() -> None:
    block, body = pem("PGP PRIVATE KEY BLOCK", headers=("Version: GnuPG v2",))
    block = block.replace("-----END", f"={token(4, 3)}\n-----END")
    (found,) = hits("/root/secret.asc", block)
    assert found.kind == "private-key" and found.value.startswith(body)
    assert found.detail.startswith("PGP private key")


@pytest.mark.parametrize(("encryption", "encrypted"), [("none", False), ("aes256-cbc", True)])
def test_putty_key_yields_its_private_lines(encryption: str, encrypted: bool) -> None:
    private = b64_lines(random.Random(5).randbytes(48))
    text = "\n".join(
        [
            "PuTTY-User-Key-File-3: ssh-ed25519",
            f"Encryption: {encryption}",
            "Comment: eddsa-key-20240101",
            "Public-Lines: 2",
            *b64_lines(random.Random(6).randbytes(90)),
            f"Private-Lines: {len(private)}",
            *private,
            f"Private-MAC: {random.Random(8).randbytes(32).hex()}",
        ]
    )
    (found,) = hits("/home/u/key.ppk", text)
    assert (found.kind, found.value, found.line) == ("private-key", "".join(private), 8)
    assert ("encrypted with a passphrase" in found.detail) is encrypted


@pytest.mark.parametrize(
    "text",
    [
        pem("PUBLIC KEY")[0],
        pem("CERTIFICATE")[0],
        f"ssh-rsa AAAAB3NzaC1yc2E{token(9, 200)} me@host\n",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----\n",
        "-----BEGIN RSA PRIVATE KEY-----\n" + "".join(pem("RSA PRIVATE KEY")[1]) + "\n",
        pem("RSA PRIVATE KEY")[0].replace("END RSA", "END EC"),
        'PEM_HEADER = "-----BEGIN PRIVATE KEY-----"\nPEM_FOOTER = "-----END PRIVATE KEY-----"\n',
    ],
    ids=["public", "certificate", "ssh-public", "elided", "no-end", "mismatched-end", "code"],
)
def test_public_keys_and_incomplete_blocks_are_not_private_keys(text: str) -> None:
    assert hits("/etc/pki/thing.pem", text) == []


# ---- keystore -----------------------------------------------------------------------------------

SHA1_TAIL = bytes(20)


def java_store(tags: list[int], magic: bytes = b"\xfe\xed\xfe\xed") -> bytes:
    """A JKS/JCEKS store (version 2) with one entry per tag: 1 key, 2 certificate, 3 secret."""
    rng = random.Random(11)

    def cert() -> bytes:
        der = rng.randbytes(300)
        return struct.pack(">H", 5) + b"X.509" + struct.pack(">I", len(der)) + der

    out = magic + struct.pack(">II", 2, len(tags))
    for i, tag in enumerate(tags):
        alias = f"entry{i}".encode()
        out += struct.pack(">IH", tag, len(alias)) + alias + struct.pack(">Q", 1_700_000_000_000)
        if tag == 1:
            key = rng.randbytes(400)
            out += struct.pack(">I", len(key)) + key + struct.pack(">I", 1) + cert()
        elif tag == 2:
            out += cert()
        else:
            out += b"\xac\xed\x00\x05" + rng.randbytes(80)  # a serialised SealedObject
    return out + SHA1_TAIL


def test_java_keystore_with_a_private_key_entry_is_a_keystore_hit() -> None:
    data = java_store([2, 1])
    (found,) = hits("/opt/app/conf/server.jks", data)
    assert found.kind == "keystore" and found.line == 0
    assert found.value == "jks:" + hashlib.sha256(data).hexdigest()
    assert found.detail == "JKS keystore with private or secret key entries: 1"


def test_jceks_secret_key_entry_is_a_keystore_hit_whatever_the_name() -> None:
    found = hits("/opt/app/conf/store", java_store([3], magic=b"\xce\xce\xce\xce"))
    assert [h.value[:6] for h in found] == ["jceks:"]


def test_java_truststore_with_only_certificates_is_not_a_hit() -> None:
    assert hits("/usr/lib/jvm/java-8/jre/lib/security/cacerts", java_store([2, 2, 2])) == []


def test_truncated_java_keystore_is_reported_conservatively() -> None:
    (found,) = hits("/opt/app/keystore", java_store([2, 1])[:500])
    assert "cannot be walked" in found.detail


# PKCS#12 stores: tests/secrets/test_keystores.py


# ---- cloud credentials --------------------------------------------------------------------------


def test_aws_credentials_file_yields_the_secret_key_line() -> None:
    secret, session = token(20, 30), token(21, 120)
    text = (
        "[default]\naws_access_key_id = AKIA" + "Q" * 16 + f"\naws_secret_access_key = {secret}\n\n"
        f"[prod]\naws_secret_access_key={secret[::-1]}\naws_session_token = {session}\n"
    )
    found = hits("/root/.aws/credentials", text)
    assert [(h.kind, h.line, h.value) for h in found] == [
        ("aws-credentials", 3, secret),
        ("aws-credentials", 6, secret[::-1]),
        ("aws-credentials", 7, session),
    ]
    assert found[0].detail == "aws_secret_access_key in [default]"


def test_aws_key_names_with_code_or_placeholder_values_are_not_hits() -> None:
    text = (
        'aws_secret_access_key = os.environ["AWS_SECRET_ACCESS_KEY"]\n'
        "aws_secret_access_key = <your secret key>\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    )
    assert hits("/root/.aws/credentials", text) == []


def service_account(key: str) -> str:
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "demo-project",
            "private_key_id": "0f" * 20,
            "private_key": key,
            "client_email": "builder@demo-project.iam.gserviceaccount.com",
        },
        indent=2,
    )


def test_gcp_service_account_key_is_one_hit_identified_by_its_key_id() -> None:
    block, _ = pem("PRIVATE KEY", seed=13)
    found = hits("/app/keys/sa.json", service_account(block))
    assert [(h.kind, h.line, h.value) for h in found] == [("gcp-service-account", 5, "0f" * 20)]
    assert "builder@demo-project" in found[0].detail


def test_gcp_file_without_a_usable_key_or_of_another_type_is_not_a_hit() -> None:
    block, _ = pem("PRIVATE KEY", seed=13)
    assert kinds("/app/sa.json", service_account("<private key here>")) == []
    user = service_account(block).replace("service_account", "authorized_user")
    assert "gcp-service-account" not in kinds("/app/adc.json", user)
    assert hits("/app/sa.json", service_account(block)[:150]) == []  # truncated JSON


def test_azure_cli_token_cache_yields_each_token() -> None:
    access, refresh = token(30, 60), token(31, 60)
    doc = {"AccessToken": {"k1": {"credential_type": "AccessToken", "secret": access}}}
    doc["RefreshToken"] = {"k2": {"credential_type": "RefreshToken", "secret": refresh}}
    found = hits("/root/.azure/msal_token_cache.json", json.dumps(doc, indent=4))
    assert [(h.kind, h.value) for h in found] == [
        ("azure-credentials", access),
        ("azure-credentials", refresh),
    ]


def test_azure_sdk_auth_file_anywhere_yields_the_client_secret() -> None:
    secret = token(32)
    doc = {"clientId": "11111111-2222", "clientSecret": secret, "tenantId": "33333333-4444"}
    (found,) = hits("/deploy/azure-auth.json", json.dumps(doc, indent=1))
    assert (found.kind, found.line, found.value) == ("azure-credentials", 3, secret)


def test_azure_profile_and_lone_client_secret_fields_are_not_hits() -> None:
    profile = {"subscriptions": [{"id": "1", "user": {"name": "me@x.test", "type": "user"}}]}
    assert hits("/root/.azure/azureProfile.json", json.dumps(profile)) == []
    assert hits("/app/oauth.json", json.dumps({"clientSecret": token(33)})) == []


# ---- registries and package indexes -------------------------------------------------------------


def test_docker_config_auth_and_identity_token_are_hits() -> None:
    auth = base64.b64encode(f"ci:{token(40)}".encode()).decode()
    doc = {"auths": {"registry.test": {"auth": auth}, "acr.test": {"identitytoken": token(41)}}}
    found = hits("/root/.docker/config.json", json.dumps(doc, indent=2))
    assert [(h.kind, h.value) for h in found] == [
        ("docker-config-auth", auth),
        ("docker-config-auth", token(41)),
    ]
    assert found[0].detail == "auth for registry registry.test" and found[0].line == 4


def test_docker_cred_helpers_and_empty_passwords_are_not_hits() -> None:
    empty = base64.b64encode(b"ci:").decode()
    doc = {"credHelpers": {"gcr.io": "gcloud"}, "auths": {"r.test": {"auth": empty}, "q": {}}}
    assert hits("/root/.docker/config.json", json.dumps(doc)) == []


def test_git_credentials_yield_the_token_of_each_line() -> None:
    text = (
        f"https://ci-bot:{token(50)}@github.com\nhttps://u:{token(51)}@gitlab.test\n"
        f"https://{token(52)}:x-oauth-basic@github.com\n"
    )
    found = hits("/root/.git-credentials", text)
    assert [(h.kind, h.line, h.value) for h in found] == [
        ("git-credentials", 1, token(50)),
        ("git-credentials", 2, token(51)),
        ("git-credentials", 3, token(52)),  # the token is the user name in this form
    ]
    assert found[0].detail == "credential for github.com"


def test_git_credentials_without_password_or_with_a_variable_are_not_hits() -> None:
    assert hits("/root/.git-credentials", "https://github.com\nhttps://u:$TOKEN@h.test\n") == []


def test_netrc_passwords_on_one_or_many_lines_are_hits() -> None:
    text = (
        f"machine api.test login bot password {token(60)}\n"
        f"machine files.test\n  login me\n  password {token(61)}\n"
    )
    found = hits("/root/.netrc", text)
    assert [(h.line, h.value, h.detail) for h in found] == [
        (1, token(60), "password for api.test"),
        (4, token(61), "password for files.test"),
    ]


def test_netrc_without_password_or_with_password_only_in_a_macro_is_not_a_hit() -> None:
    text = "machine a.test login anonymous\nmacdef init\necho password hunter22\n\n"
    assert hits("/root/.netrc", text) == []


def test_npmrc_auth_token_is_a_hit() -> None:
    text = f"registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={token(70)}\n"
    (found,) = hits("/home/node/.npmrc", text)
    assert (found.kind, found.line, found.value) == ("npmrc-token", 2, token(70))
    assert found.detail == "_authToken for //registry.npmjs.org/"


def test_npmrc_token_from_the_environment_is_not_a_hit() -> None:
    text = "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nalways-auth=true\n"
    assert hits("/home/node/.npmrc", text) == []


def test_pypirc_password_is_a_hit_with_its_section() -> None:
    text = "[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\n"
    text += f"password = {token(80)}\n"
    (found,) = hits("/root/.pypirc", text)
    assert (found.kind, found.line, found.detail) == ("pypirc-password", 6, "password in [pypi]")


def test_pypirc_with_empty_password_is_not_a_hit() -> None:
    assert hits("/root/.pypirc", "[pypi]\nusername = me\npassword =\n") == []


def test_pgpass_passwords_are_hits_with_what_they_open() -> None:
    text = (
        "# hostname:port:database:username:password\n"
        f"db.test:5432:*:postgres:{token(81)}\n"
        f"*:*:billing:app:pa\\:ss\\\\{token(82)}\n"
    )
    found = hits("/var/lib/postgresql/.pgpass", text)
    assert [(h.kind, h.line, h.value, h.detail) for h in found] == [
        ("pgpass", 2, token(81), "password of postgres for * on db.test:5432"),
        ("pgpass", 3, f"pa:ss\\{token(82)}", "password of app for billing on *:*"),
    ]


def test_pgpass_lines_without_a_password_and_other_files_are_not_hits() -> None:
    text = "db.test:5432:*:postgres:\nnot:enough:fields\n# a:b:c:d:Commented9x\n"
    assert hits("/root/.pgpass", text) == []
    assert hits("/root/notes.txt", f"db.test:5432:*:postgres:{token(83)}\n") == []


KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://k8s.test:6443
  name: dev
users:
- name: deployer
  user:
    token: {token}
- name: admin
  user:
    client-key-data: {key}
contexts: []
"""


def test_kubeconfig_user_token_and_client_key_are_hits() -> None:
    text = KUBECONFIG.format(token=token(90), key=token(91, 90))
    found = hits("/root/.kube/config", text)
    assert [(h.kind, h.line, h.value, h.detail) for h in found] == [
        ("kubeconfig", 10, token(90), "token of user deployer"),
        ("kubeconfig", 13, token(91, 90), "client-key-data of user admin"),
    ]


def test_yaml_with_users_but_no_clusters_is_not_a_kubeconfig() -> None:
    text = f"users:\n- name: bob\n  token: {token(92)}\n"
    assert "kubeconfig" not in kinds("/app/users.yaml", text)


# ---- dotenv, history, URLs, htpasswd -------------------------------------------------------------


@pytest.mark.parametrize("name", [".env", "prod.env", ".env.production"])
def test_dotenv_secret_variables_are_hits(name: str) -> None:
    text = f'APP_NAME=shop\nexport DB_PASSWORD="{token(100)}"\nSTRIPE_API_KEY={token(101)} # live\n'
    found = hits(f"/app/{name}", text)
    assert [(h.kind, h.line, h.value, h.detail) for h in found] == [
        ("dotenv", 2, token(100), "DB_PASSWORD"),
        ("dotenv", 3, token(101), "STRIPE_API_KEY"),
    ]


def test_dotenv_placeholders_file_references_and_non_secret_names_are_not_hits() -> None:
    text = (
        "DB_PASSWORD=\nADMIN_PASSWORD=changeme\nDB_PASSWORD_FILE=/run/secrets/db\n"
        "AUTHOR=jane\nAUTH_ENABLED=true\nAPI_TOKEN=${API_TOKEN}\nPWD=/app\n"
    )
    assert hits("/app/.env", text) == []
    assert hits("/app/notes.txt", f"DB_PASSWORD={token(102)}\n") == []  # not .env, not config


@pytest.mark.parametrize(
    "value",
    [
        "/run/secrets/db_password",  # Docker's and Kubernetes' secret mounts
        "/var/run/secrets/db/password",
        "file:/run/secrets/db",
        "env:DB_PASSWORD",
        "vault:secret/data/db#password",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/db/password",
        "op://vault/db/password",  # 1Password
        "sm://db-password",
        "@Microsoft.KeyVault(SecretUri=https://shop.vault.azure.net/secrets/db/)",
        "ENC(Xh7vK2pLm9Qz4Wb8)",  # Jasypt ciphertext: the key is elsewhere
        "{cipher}AQB8mKz3Qp9Lw2",  # Spring Cloud Config ciphertext
    ],
)
def test_dotenv_references_to_a_secret_kept_elsewhere_are_not_hits(value: str) -> None:
    """A pointer to a secret store is the remediation PCI DSS asks for, not the violation."""
    assert hits("/app/.env", f"DB_PASSWORD={value}\n") == []
    assert hits("/app/config/application.properties", f"db.password={value}\n") == []


def test_bash_history_is_reported_and_its_credential_lines_too() -> None:
    text = (
        "apt-get update\n"
        f"mysql -u root -p{token(110, 12)} shop\n"
        f"curl -u admin:{token(111, 12)} https://nexus.test/repo\n"
        f"export GITHUB_TOKEN={token(112)}\n"
        f"sshpass -p {token(113, 12)} ssh deploy@host\n"
        f"psql postgres://app:{token(114, 12)}@db/shop\n"
    )
    found = hits("/root/.bash_history", text)
    assert (found[0].kind, found[0].line, found[0].value) == (
        "shell-history",
        0,
        "history:.bash_history",
    )
    assert [(h.kind, h.line, h.value) for h in found[1:]] == [
        ("history-credential", 2, token(110, 12)),
        ("history-credential", 3, token(111, 12)),
        ("history-credential", 4, token(112)),
        ("history-credential", 5, token(113, 12)),
        ("history-credential", 6, token(114, 12)),  # not also a database-url hit
    ]


def test_history_commands_without_credentials_only_report_the_file() -> None:
    text = "mysql -u root -p shop\ndocker run -p 8080:80 web\nssh -p22 host\nls -la\n"
    assert kinds("/root/.zsh_history", text) == ["shell-history"]
    assert hits("/root/.bash_history", "\n  \n") == []
    assert hits("/root/.bash_history.txt", f"mysql -p{token(115)}\n") == []


@pytest.mark.parametrize(
    ("url", "password"),
    [
        (f"postgresql+psycopg2://shop:{token(120, 12)}@db.internal:5432/shop", token(120, 12)),
        (f"mongodb+srv://app:{token(121, 12)}@cluster0.mongo.test/db", token(121, 12)),
        (f"redis://:{token(122, 12)}@cache:6379/0", token(122, 12)),
        (f"jdbc:mysql://root:{token(123, 12)}@mysql/app", token(123, 12)),
        (f"amqps://svc:{token(126, 12)}@mq.internal:5671/vhost", token(126, 12)),
        (f"sqlserver://sa:{token(127, 12)}@mssql:1433?database=app", token(127, 12)),
    ],
)
def test_database_url_with_a_password_is_a_hit(url: str, password: str) -> None:
    (found,) = hits("/app/config/settings.yaml", f"database:\n  url: '{url}'\n")
    assert (found.kind, found.line, found.value) == ("database-url", 2, password)


@pytest.mark.parametrize(
    "text",
    [
        "url: postgres://shop@db/shop\n",
        "url: postgres://shop:${PGPASSWORD}@db/shop\n",
        "url: postgres://user:password@localhost/db\n",
        "url: postgres://user:pass@localhost:5432/db\n",
        f"url: https://user:{token(124)}@example.test/\n",
    ],
)
def test_database_urls_without_a_real_password_or_other_schemes_are_not_hits(text: str) -> None:
    assert hits("/app/settings.yaml", text) == []


def test_database_url_inside_a_binary_is_not_reported() -> None:
    data = b"\x7fELF\x00\x00" + f"postgres://a:{token(125)}@db/x".encode()
    assert hits("/usr/bin/app", data) == []


def test_htpasswd_lines_are_hits_with_their_hash_scheme() -> None:
    apr1 = f"$apr1${token(130, 6)[:8]}${token(131, 16)[:22]}"
    bcrypt = f"$2y$10${token(132, 40)[:53]}"
    found = hits("/etc/nginx/.htpasswd", f"admin:{apr1}\n# ops\nops:{bcrypt}\n")
    assert [(h.kind, h.line, h.value, h.detail) for h in found] == [
        ("htpasswd", 1, apr1, "apr1-md5 hash for user admin"),
        ("htpasswd", 3, bcrypt, "bcrypt hash for user ops"),
    ]


def test_unnamed_file_made_only_of_htpasswd_lines_is_a_hit() -> None:
    sha = "{SHA}" + base64.b64encode(random.Random(133).randbytes(20)).decode()
    assert kinds("/srv/auth/users", f"svc:{sha}\n") == ["htpasswd"]


def test_shadow_lines_and_mixed_files_are_not_htpasswd() -> None:
    crypt = f"$6${token(134, 6)}${token(135, 60)}"
    assert hits("/etc/shadow", f"root:{crypt}:19700:0:99999:7:::\n") == []
    assert hits("/srv/notes.txt", f"admin:{crypt}\nsee the wiki\n") == []


# ---- placeholders, names, hostile input, real data ----------------------------------------------


@pytest.mark.parametrize(
    "value", ["", "  ", "changeme", "xxx", "****", "<password>", "${X}", "$X", "{{ x }}", "%(x)s"]
)
def test_placeholders_are_recognised(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", [token(140), "hunter22", "p@ss-W0rd!", "0f1e2d3c4b5a"])
def test_real_looking_values_are_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    [
        "passwort_hier_einfuegen",  # de_DE wp-config-sample.php
        "votre_mdp_de_bdd",  # fr_FR
        "Gib hier deine Zeichenkette ein",
        "mettez une phrase unique ici",
        "myPassword",  # connectionstrings.com's templates
        "my_secret",
        "fake-password-for-tests",
        "insert_your_token",
        "dummy",
        "test",
        "ExampleSecret",
        "example-api-key",
        "AKIAIOSFODNN7EXAMPLE",
        "%%DB_PASSWORD%%",  # build-time substitution tokens
        "@@DB_PASSWORD@@",
        "@db.password@",  # Maven resource filtering
        "***REMOVED***",  # BFG's mask
        "sk_test_xxxxxxxxxxxxxxxxxxxxxxxx",  # a documented key shape, all x
    ],
)
def test_values_whose_whole_shape_is_a_stand_in_are_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    ["Example#Shop2024!", "Tests-R-Us-9!", "hierXk9#mQ2", "mypassword7$Q", "sk_live_x9Lm2Qw"],
)
def test_a_chosen_password_that_merely_contains_a_placeholder_word_is_not_one(
    value: str,
) -> None:
    """A placeholder is the whole value's shape, not a substring of it."""
    assert not is_placeholder(value)


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("/root/.ssh/id_rsa", True),
        ("/etc/ssh/ssh_host_ecdsa_key", True),
        ("/opt/app/keystore.jks", True),
        ("/etc/ssl/client.pfx", True),
        ("/root/.bash_history", True),
        ("/root/.docker/config.json", True),
        ("/home/u/.kube/config", True),
        ("/root/.azure/msal_token_cache.json", True),
        ("/etc/nginx/.htpasswd", True),
        ("/usr/lib/libssl.so.3", False),
        ("/etc/ssh/sshd_config", False),
        ("/app/environment.py", False),
    ],
)
def test_wants_path_selects_files_by_name(path: str, wanted: bool) -> None:
    assert wants_path(path) is wanted


HOSTILE_NAMES = [
    "/etc/ssh/ssh_host_rsa_key",
    "/root/.aws/credentials",
    "/root/.docker/config.json",
    "/root/.dockercfg",
    "/root/.azure/accessTokens.json",
    "/root/.netrc",
    "/root/.npmrc",
    "/root/.pypirc",
    "/root/.kube/config",
    "/app/.env",
    "/root/.bash_history",
    "/etc/.htpasswd",
    "/x/store.p12",
    "/x/store.jks",
    "/x/unnamed",
]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("path", HOSTILE_NAMES)
def test_garbage_under_any_name_never_raises(path: str, seed: int) -> None:
    rng = random.Random(seed)
    data = rng.randbytes(rng.randrange(0, 4096))
    structural_hits(path, data)
    structural_hits(path, b"\xfe\xed\xfe\xed" + data)
    structural_hits(path, b"\x30\x82\x01\x00\x02\x01\x03\x30" + data)


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 100_000,
        b'{"auths": {"h": {"auth": "%%%"}}, "type": "service_account", "private_key": 1}',
        b'{"auths": ["x"]}',
        b"\xfe\xed\xfe\xed\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x01",
        b"-----BEGIN PRIVATE KEY-----" * 50_000,
        b"PuTTY-User-Key-File-2: ssh-rsa\nPrivate-Lines: 9999\n",
        b"machine",
        b"password",
        b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA/////w==\n"
        b"-----END OPENSSH PRIVATE KEY-----\n",
    ],
    ids=[
        "deep-json",
        "wrong-types",
        "auths-list",
        "huge-counts",
        "begins",
        "putty",
        "m",
        "p",
        "ssh",
    ],
)
def test_malformed_structures_never_raise(data: bytes) -> None:
    for path in ("/root/.netrc", "/root/.docker/config.json", "/x/a.jks", "/x/a.json"):
        structural_hits(path, data)


def realworld_files() -> list[Path]:
    return sorted(p for p in REALWORLD_SECRETS.rglob("*") if p.is_file())


@pytest.mark.realworld
def test_realworld_secret_corpora_never_raise_and_yield_their_private_keys() -> None:
    """The corpora's real key is found; their look-alikes (an OpenSSH block around
    "somethingSuperRandomAndSecretHere...", gitleaks' PKCS#8 block of filler) are not keys."""
    found: dict[str, list[StructuralHit]] = {}
    for file in realworld_files():
        path = "/" + file.relative_to(REALWORLD_SECRETS).as_posix()
        found[path] = structural_hits(path, file.read_bytes())
    assert len(found) > 200
    keys = {path for path, hs in found.items() if any(h.kind == "private-key" for h in hs)}
    assert keys == {"/gitleaks/testdata/repos/symlinks/source_file/id_ed25519"}
    (ed25519,) = found["/gitleaks/testdata/repos/symlinks/source_file/id_ed25519"]
    assert ed25519.detail == "OpenSSH private key, not encrypted"
    env = found["/gitleaks/testdata/repos/nogit/.env.prod"]
    assert [(h.kind, h.line, h.detail) for h in env] == [("dotenv", 4, "DB_PASSWORD")]


def test_kubernetes_secret_manifest_values_are_found_decoded() -> None:
    import base64  # noqa: PLC0415

    password = "k8s-Pw-" + "Q3x9Lm2Rt7Wy"
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: prod\n---\n"
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n"
        f"  password: {base64.b64encode(password.encode()).decode()}\n"
        "stringData:\n  token: 'st-Zx9Qv8Lm2Rt7Wy3K'\n  empty: ''\n"
    ).encode()
    hits = [
        h for h in structural_hits("/deploy/secret.yaml", manifest) if h.kind == "kubernetes-secret"
    ]
    assert [(h.line, h.value) for h in hits] == [(12, password), (14, "st-Zx9Qv8Lm2Rt7Wy3K")]
    assert all("Kubernetes Secret" in h.detail for h in hits)


def test_a_configmap_is_not_a_kubernetes_secret() -> None:
    manifest = b"apiVersion: v1\nkind: ConfigMap\ndata:\n  password: cGFzc3dvcmQxMjM=\n"
    assert not [
        h for h in structural_hits("/deploy/cm.yaml", manifest) if h.kind == "kubernetes-secret"
    ]


# ---- binary files in the examiner -------------------------------------------------------------


def test_programs_skip_libmagic_and_a_key_in_a_data_blob_is_still_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """libmagic only names binary key material, which a program never is, so it is not asked
    (most binaries of an image are programs); keys compiled into programs are self-test
    vectors and skipped by design. A key inside other binary data is found."""
    from analyzer.secrets import binarykeys, sink  # noqa: PLC0415
    from analyzer.secrets.engine import SecretEngine  # noqa: PLC0415

    key = pem("RSA PRIVATE KEY")[0].encode()
    examiner = sink.Examiner(SecretEngine())
    hits, counts = examiner.examine("/var/lib/app/blob.bin", bytes(64) + key)
    assert counts.binary == 1 and [h.kind for h in hits] == ["private-key"]

    def no_libmagic() -> object:
        raise AssertionError("libmagic asked about a program")

    monkeypatch.setattr(binarykeys, "_magic", no_libmagic)
    hits, counts = examiner.examine("/usr/bin/tool", b"\x7fELF\x02\x01\x01\x00" + bytes(64) + key)
    assert counts.binary == 1 and hits == ()


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        ("/root/.netrc", f"machine api.test login bot password {token(81)}\n", "netrc"),
        ("/root/.pypirc", f"[pypi]\nusername = u\npassword = {token(82)}\n", "pypirc-password"),
    ],
)
def test_a_file_known_by_its_name_is_read_even_with_binary_bytes_in_it(
    path: str, text: str, kind: str
) -> None:
    """Binary files are searched only for the markers of the readers that read any binary
    (a key block, a service account...); a file whose name a reader of binaries knows is
    searched for that reader's markers too ("password"), NUL bytes or not."""
    data = b"\x00\x01" + text.encode()
    assert kind in kinds(path, data)
    assert kinds(f"/opt/blobs/{path.rsplit('/', 1)[1]}.dat", data) == []


def test_a_kubeconfig_fragment_without_clusters_is_still_a_kubeconfig() -> None:
    text = f"apiVersion: v1\nkind: Config\nusers:\n- name: bob\n  user:\n    token: {token(93)}\n"
    assert [(h.kind, h.value) for h in hits("/app/bob.yaml", text)] == [("kubeconfig", token(93))]


def test_a_quoted_command_in_a_history_line_does_not_end_up_in_the_value() -> None:
    line = f"echo '//registry.example.org/:_authToken={token(94)}' > ~/.npmrc\n"
    found = [h for h in hits("/root/.bash_history", line) if h.kind == "history-credential"]
    assert [h.value for h in found] == [token(94)]


@pytest.mark.parametrize(
    ("path", "data", "kind"),
    [
        ("/root/.npmrc", f"//registry.npmjs.org/:_authToken={token(95, 36)}\n", "npmrc-token"),
        ("/opt/app/conf/server.jks", java_store([1]), "keystore"),
        (
            "/app/keys/sa.json",
            service_account(pem("PRIVATE KEY", seed=13)[0]),
            "gcp-service-account",
        ),
    ],
)
def test_one_secret_is_one_finding_whatever_else_saw_it(
    path: str, data: str | bytes, kind: str
) -> None:
    """detect-secrets' entropy plugin takes `_authToken=<token>` whole, its private-key plugin
    sees the key's BEGIN line, libmagic names the keystore: the structural hit says more, and
    the file gets that one finding."""
    from analyzer.secrets import sink  # noqa: PLC0415
    from analyzer.secrets.engine import SecretEngine  # noqa: PLC0415

    raw = data.encode() if isinstance(data, str) else data
    found, _ = sink.Examiner(SecretEngine()).examine(path, raw)
    assert [h.kind for h in found] == [kind]


@pytest.mark.parametrize(
    ("line", "values"),
    [
        ("mysql -pPw1-aaaa -e x && curl -u admin:Pw2-bbbb https://x", ["Pw1-aaaa", "Pw2-bbbb"]),
        ("curl -fsu admin:Pw3-cccc http://localhost/health", ["Pw3-cccc"]),
        ("docker login -u bob -p Pw4-dddd registry.example.org", ["Pw4-dddd"]),
        ("echo Pw5-eeee | docker login -u bob --password-stdin r.example.org", ["Pw5-eeee"]),
        ("htpasswd -b -c /etc/nginx/.htpasswd admin Pw6-ffff", ["Pw6-ffff"]),
        ("htpasswd -bc /etc/nginx/.htpasswd admin Pw7-gggg", ["Pw7-gggg"]),
        ("curl -H 'Authorization: Bearer Pw8-hhhh' https://api.example.org", ["Pw8-hhhh"]),
        ('echo "machine git.example.org login bob password Pw9-iiii" > ~/.netrc', ["Pw9-iiii"]),
        ("app --token Pw10-jjjj --db-password Pw11-kkkk", ["Pw10-jjjj", "Pw11-kkkk"]),
        ("htpasswd -c /etc/x admin", []),
        ("app --token-file /run/secrets/token", []),
    ],
)
def test_every_credential_of_a_command_line_is_found(line: str, values: list[str]) -> None:
    found = [
        h.value for h in hits("/root/.bash_history", line + "\n") if h.kind == "history-credential"
    ]
    assert sorted(found) == sorted(values)
