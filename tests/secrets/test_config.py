"""Secrets in the image config: found per source, and kept out of every quoted config text."""

from __future__ import annotations

import pytest

from analyzer.image.model import HistoryEntry, ImageConfig, Platform
from analyzer.secrets.config import config_secrets, scrubber_for
from analyzer.secrets.engine import SecretEngine

PASSWORD = "Zq7-" + "Lm4xT9vRk2Wp8s"  # generated for the test, not a real credential


def config(
    entrypoint: tuple[str, ...] = (),
    cmd: tuple[str, ...] = (),
    steps: tuple[str, ...] = (),
    env: tuple[str, ...] = ("PATH=/usr/bin",),
) -> ImageConfig:
    return ImageConfig(
        user="",
        env=env,
        entrypoint=entrypoint,
        cmd=cmd,
        working_dir="",
        labels=(),
        exposed_ports=(),
        volumes=(),
        healthcheck=None,
        created="",
        author="",
        diff_ids=(),
        history=tuple(HistoryEntry("", step, empty_layer=True) for step in steps),
        platform=Platform("linux", "amd64"),
    )


@pytest.fixture(scope="module")
def engine() -> SecretEngine:
    return SecretEngine()


@pytest.mark.parametrize(
    ("entrypoint", "cmd"),
    [
        (("/usr/bin/app", f"--password={PASSWORD}", "--verbose"), ()),
        (("/usr/bin/app",), (f"--password={PASSWORD}", "--verbose")),
        (("sh", "-c", f"curl -u admin:{PASSWORD} https://repo.example.org/x"), ()),
        (("mysql", "-u", "root", f"-p{PASSWORD}"), ()),
    ],
)
def test_a_secret_in_one_argument_is_found_and_scrubbed_from_the_command(
    entrypoint: tuple[str, ...], cmd: tuple[str, ...], engine: SecretEngine
) -> None:
    """The value found is the argument's secret alone, never joined with the next argument,
    so the scrubber finds it verbatim wherever the command is quoted."""
    image = config(entrypoint, cmd)
    found = config_secrets(image, 0, engine)
    assert PASSWORD in {s.value for s in found if s.source == "ENTRYPOINT/CMD"}
    assert all("--verbose" not in s.value for s in found)
    scrub = scrubber_for(image, 0, engine)
    for argument in (*entrypoint, *cmd):
        assert PASSWORD not in scrub(argument)
    assert PASSWORD not in scrub(" ".join(entrypoint + cmd))


def test_history_steps_are_read_as_shell_commands(engine: SecretEngine) -> None:
    image = config(steps=(f"RUN /bin/sh -c git clone https://bot:{PASSWORD}@git.example.org/r",))
    [secret] = [s for s in config_secrets(image, 0, engine) if s.source == "history step 0"]
    assert PASSWORD in secret.value and " " not in secret.value


def test_manifest_and_index_annotations_are_examined_and_scrubbed(engine: SecretEngine) -> None:
    import json  # noqa: PLC0415

    from analyzer.secrets.config import archive_scrubber  # noqa: PLC0415

    manifest = {"annotations": {"com.example.registry-password": PASSWORD}, "layers": []}
    found = config_secrets(config(), 0, engine, raw_manifest=json.dumps(manifest).encode())
    assert [(s.source, s.value) for s in found] == [("ANNOTATION", PASSWORD)]
    index = {"manifests": [{"annotations": {"ci.url": f"https://bot:{PASSWORD}@ci.example.org"}}]}
    scrub = archive_scrubber([("index.json", json.dumps(index).encode())], engine)
    assert PASSWORD not in scrub(f"https://bot:{PASSWORD}@ci.example.org")


@pytest.mark.parametrize(
    "name",
    [
        "RABBITMQ_DEFAULT_PASS",  # the official RabbitMQ image's documented variable
        "REDIS_PASS",
        "KEYSTORE_PASS",
        "LDAP_BIND_PW",
        "APP_ENCRYPTION_KEY",
        "JWT_SIGNING_KEY",
        "DB_PASSWORD",
    ],
)
def test_an_env_variable_named_as_a_password_or_key_is_a_secret(
    name: str, engine: SecretEngine
) -> None:
    """ENV names are judged as a .env file's keys are: `SMTP_PASS=` in /app/.env and
    `ENV SMTP_PASS` in the config of the same image get the same verdict."""
    found = config_secrets(config(env=(f"{name}={PASSWORD}",)), 0, engine)
    assert [(s.source, s.value) for s in found] == [(f"ENV {name}", PASSWORD)]
    assert PASSWORD not in scrubber_for(config(env=(f"{name}={PASSWORD}",)), 0, engine)(
        f"/bin/sh -c #(nop)  ENV {name}={PASSWORD}"
    )


@pytest.mark.parametrize(
    "entry",
    [
        "PASS_MAX_DAYS=99999",  # a setting about passwords, not one
        "DB_PASSWORD_FILE=/run/secrets/db",
        "AUTH_USER=admin",
        "TOKEN_URL=https://auth.example.org/token",
        "BYPASS_CACHE=1",
        "PASSENGER_APP_ENV=production",
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",  # the python images' signing key id
        "REQUIRE_AUTH=true",
    ],
)
def test_an_env_setting_about_a_secret_is_not_one(entry: str, engine: SecretEngine) -> None:
    assert [s for s in config_secrets(config(env=(entry,)), 0, engine) if s.kind == "env"] == []


def test_a_short_env_secret_is_redacted_as_a_whole_entry(engine: SecretEngine) -> None:
    """Values under 4 characters are not replaced inside other text (they would hit digests
    and words), but the ENV entry that holds one is replaced whole."""
    image = config(env=("REDIS_PASSWORD=Zq~",))
    scrub = scrubber_for(image, 0, engine)
    assert scrub("REDIS_PASSWORD=Zq~").startswith("REDIS_PASSWORD=Z... (3 chars")
    history = "/bin/sh -c #(nop)  ENV REDIS_PASSWORD=Zq~"  # the classic builder's history line
    assert "Zq~" not in scrub(history) and scrub(history).startswith("/bin/sh -c #(nop)")
    assert scrub("sha256:Zq~ elsewhere") == "sha256:Zq~ elsewhere"


def test_a_value_in_a_shell_form_command_does_not_run_into_the_next_word(
    engine: SecretEngine,
) -> None:
    """In `sh -c "exec app --password=PW --user=bob"` the keyword plugin would take
    "PW --user=bob": the finding's hash and length must be the password's own."""
    image = config(("/bin/sh", "-c", f"exec app --password={PASSWORD} --user=bob"))
    assert {s.value for s in config_secrets(image, 0, engine)} == {PASSWORD}


def test_the_ids_docker_writes_into_a_config_are_not_secrets(engine: SecretEngine) -> None:
    """`docker build` records its build container's id (64 hex) and uses the short id as the
    host name: random by construction, they are identifiers in nearly every docker-built image
    (the public test images of container-inspector, dockle and trivy all have them). A token in
    a field that is not an id is still found."""
    import json  # noqa: PLC0415

    container = "daea0a5ff0c5e1ab2e0f1bca4e6d3b2f58c3e8f0b9a7d6c5e4f3a2b1c0d9e8f7"
    raw = {
        "container": container,
        "config": {"Hostname": container[:12], "Image": "9f" * 32},
        "container_config": {"Hostname": container[:12]},
        "registry_password": PASSWORD,
    }
    found = config_secrets(config(), 0, engine, raw_config=json.dumps(raw).encode())
    assert [s.source for s in found] == ["CONFIG registry_password"]


_BIG_CONFIG = """
import json, random, string
from analyzer.image.model import HistoryEntry, ImageConfig, Platform
from analyzer.secrets.config import scrubber_for
from analyzer.secrets.engine import SecretEngine
rng = random.Random(20)
def token(n):
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))
labels = tuple((f"com.example.n{i}.db_password", "Pw-" + token(20)) for i in range(20_000))
words = [token(rng.randint(3, 10)) for _ in range(150_000)]
words[::1000] = [f"--password=Hp-{token(18)}" for _ in words[::1000]]
line = "RUN /bin/sh -c app " + " ".join(words)  # a 1 MB history line, 150 passwords
config = ImageConfig(
    user="", env=(), entrypoint=(), cmd=(), working_dir="", labels=labels,
    exposed_ports=(), volumes=(), healthcheck=None, created="", author="", diff_ids=(),
    history=(HistoryEntry("", line, empty_layer=True),), platform=Platform("linux", "amd64"),
)
layers = [{"digest": "sha256:" + "0" * 64, "size": 1} for _ in range(200_000)]
manifest = json.dumps({"layers": layers, "annotations": {"a": "b"}}).encode()
scrub = scrubber_for(config, 0, SecretEngine(), b"{}", manifest)
assert len(scrub.secrets) == 20_000 + 150
assert not any(value in scrub(value) for _, value in labels)
assert "--password=Hp-" in line and "Hp-" not in scrub(line).replace("--password=Hp-", "")
"""


def test_a_config_with_20k_labels_and_a_1mb_history_line_is_examined_in_linear_time() -> None:
    """20k secret labels, a 1 MB history line of words with 150 passwords, a manifest of 200k
    layers: the scrubber's values x text and the annotation walk's list.pop(0) made these
    minutes (51 s for 20k labels); run in a subprocess with a generous timeout."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    import textwrap  # noqa: PLC0415

    subprocess.run([sys.executable, "-c", textwrap.dedent(_BIG_CONFIG)], check=True, timeout=240)
