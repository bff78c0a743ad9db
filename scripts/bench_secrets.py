"""Benchmark the secrets engine against plain detect-secrets on the same files, in the same run.

What is measured: the wall time of scanning every file of a corpus, file reading included, with
(1) plain detect-secrets (`scan_file` per file under `default_settings()`, the reference) and
(2) `analyzer.secrets.engine.SecretEngine.scan` (a hyperscan prefilter in front of the same
detect-secrets pipeline). From that: MB/s, files/s, the speedup, and whether both report the
same findings, compared per file as sets of (type, line, sha1 of the value), the value's sha1
being detect-secrets' `PotentialSecret.secret_hash`. Why: the engine exists to give
detect-secrets' verdicts at prefilter speed; the target is >= 100x with identical findings.

Corpora, all deterministic: a sample of this machine's Debian /usr tree (text files under
/usr/share and /usr/lib, every k-th in sorted order), a slice of the interpreter's standard
library, a synthetic set of config and source files with planted fake secrets (written to
bench-work/secrets/ from a seeded random.Random, never real values) and any --extra directory.

Each side runs in its own fresh child process (SecretEngine() reconfigures detect-secrets'
global settings): imports and the engine's construction (hyperscan compile) are excluded from
the timings; the construction is reported on its own. detect-secrets runs once per corpus
(it is slow); the engine runs --repeat times and the best is kept. Secret values are never
printed: only types, line numbers and counts. Run it as scripts/bench-secrets.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import shlex
import shutil
import stat
import string
import subprocess
import sys
import sysconfig
import time
import traceback
from collections.abc import Callable, Collection, Iterator
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

from tabulate import tabulate

# scripts/ is not a package: put this script's own directory first on sys.path so that the
# sibling module imports however the script is started (the children run it by file path too).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import command_line, machine_facts

MB = 1_000_000
MAX_FILE = 2 * 1024 * 1024
"""Larger files are left out of the /usr and stdlib samples."""
TARGET_SPEEDUP = 100.0
USR_ROOTS = (Path("/usr/share"), Path("/usr/lib"))
STDLIB_SKIP = {"site-packages", "__pycache__"}

Finding = tuple[str, int, str]
"""(type, line number, sha1 of the value): what the two sides must agree on."""
T = TypeVar("T")
Scanned = tuple[float, dict[str, list[T]], dict[str, str]]
"""(seconds, per-file results, per-file crash sites) of one pass over a corpus."""


def log(message: str) -> None:
    """Progress goes to stderr so that stdout stays the report."""
    print(f"bench-secrets: {message}", file=sys.stderr, flush=True)


# -- corpora -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Corpus:
    """A named list of files, scanned the same way by both sides."""

    name: str
    files: list[str]
    """Absolute host paths, in scan order."""
    note: str


def regular_files(roots: list[Path], skip_dirs: Collection[str] = ()) -> list[tuple[str, int]]:
    """(path, size) of the non-empty regular files (no symlinks) <= MAX_FILE, in sorted order."""
    found: list[tuple[str, int]] = []
    for root in roots:
        for top, dirs, names in os.walk(root):  # os.walk does not follow directory symlinks
            dirs[:] = sorted(d for d in dirs if d not in skip_dirs)
            for name in sorted(names):
                path = os.path.join(top, name)
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode) and 0 < info.st_size <= MAX_FILE:
                    found.append((path, info.st_size))
    return found


def is_text(path: str) -> bool:
    """UTF-8 text without NUL bytes (detect-secrets skips what does not decode)."""
    try:
        data = Path(path).read_bytes()
        data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return b"\0" not in data


def every_kth_text(candidates: list[tuple[str, int]], target_bytes: int) -> list[str]:
    """Text files spread evenly over the sorted candidates, totalling about target_bytes.

    Every k-th candidate, k shrinking until the text files among them reach the target (text
    is only a share of all files), then every step-th of those (step >= 1, fractional) to come
    back down to the target without favouring the start of the tree.
    """
    sizes = dict(candidates)
    k = max(1, sum(sizes.values()) // max(target_bytes, 1))
    while True:
        picked = [path for path, _ in candidates[::k] if is_text(path)]
        got = sum(sizes[path] for path in picked)
        if got >= target_bytes or k == 1:
            break
        k = max(1, min(k - 1, int(k * got / target_bytes)))
    step = max(1.0, got / max(target_bytes, 1))
    return [picked[int(i * step)] for i in range(int(len(picked) / step))]


def usr_corpus(megabytes: float) -> Corpus:
    """A sample of the Debian /usr tree."""
    files = every_kth_text(regular_files(list(USR_ROOTS)), int(megabytes * MB))
    return Corpus("debian-usr", files, "text files under /usr/share and /usr/lib, every k-th")


def stdlib_corpus(megabytes: float) -> Corpus:
    """A slice of the standard library of the interpreter running this script."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = every_kth_text(regular_files([root], STDLIB_SKIP), int(megabytes * MB))
    return Corpus("python-stdlib", files, f"text files of {root}, every k-th")


def extra_corpus(directory: Path) -> Corpus:
    """Every regular file <= 2 MiB of a directory, text or not."""
    files = [path for path, _ in regular_files([directory.resolve()])]
    return Corpus(f"extra:{directory.name}", files, f"all files of {directory}")


# -- the synthetic set: filler text with planted fake secrets ----------------------------------

WORDS = (
    "account", "backend", "billing", "bucket", "cache", "cluster", "config", "consumer",
    "database", "deploy", "endpoint", "events", "export", "gateway", "health", "index", "invoice",
    "ledger", "lookup", "metrics", "mirror", "monitor", "notify", "orders", "payment", "pipeline",
    "policy", "profile", "queue", "render", "report", "replica", "resolver", "router",
    "scheduler", "search", "session", "shipping", "storage", "stream", "tenant", "ticket",
    "upload", "user", "vault", "worker",
)  # fmt: skip
UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
FORMATS = ("py", "js", "yaml", "ini", "env", "json", "sh", "docker")


def pick(rng: random.Random, alphabet: str, n: int) -> str:
    """n random characters of an alphabet."""
    return "".join(rng.choice(alphabet) for _ in range(n))


def sentence(rng: random.Random) -> str:
    """A few words, capitalised."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize()


def b64url(raw: bytes) -> str:
    """Unpadded base64url, as in JWTs."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def fake_jwt(rng: random.Random) -> str:
    """A JWT-shaped token whose header and payload decode to JSON (as the plugin checks)."""
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    claims = {"sub": pick(rng, LOWER_ALNUM, 12), "iat": rng.randint(1_600_000_000, 1_800_000_000)}
    payload = b64url(json.dumps(claims).encode())
    return f"{header}.{payload}.{b64url(rng.randbytes(32))}"


def fake_secrets() -> list[Callable[[random.Random], tuple[str, str]]]:
    """Makers of one (name, value) pair each: the kinds of secret the set plants."""
    return [
        lambda r: ("aws_access_key_id", "AKIA" + pick(r, UPPER_DIGITS, 16)),
        lambda r: ("aws_secret_access_key", pick(r, B64, 40)),
        lambda r: ("github_token", "ghp_" + pick(r, ALNUM, 36)),
        lambda r: ("slack_token", f"xoxb-{pick(r, '0123456789', 11)}-{pick(r, LOWER_ALNUM, 24)}"),
        lambda r: ("slack_webhook", "https://hooks.slack.com/services/T" + pick(r, UPPER_DIGITS, 8)
                   + "/B" + pick(r, UPPER_DIGITS, 8) + "/" + pick(r, ALNUM, 24)),
        lambda r: ("db_password", pick(r, ALNUM + "-_.!@", r.randint(10, 20))),
        lambda r: ("signing_secret", pick(r, B64, r.randint(32, 48))),
        lambda r: ("build_checksum", pick(r, HEX, r.choice((40, 64)))),
        lambda r: ("auth_token", fake_jwt(r)),
        lambda r: ("database_url", f"postgres://{r.choice(WORDS)}:{pick(r, ALNUM, 14)}@db:5432/a"),
        lambda r: ("stripe_key", "sk_live_" + pick(r, ALNUM, 24)),
        lambda r: ("sendgrid_key", f"SG.{pick(r, ALNUM, 22)}.{pick(r, ALNUM, 43)}"),
        lambda r: ("twilio_sid", "AC" + pick(r, LOWER_ALNUM, 32)),
        lambda r: ("storage_connection", "DefaultEndpointsProtocol=https;AccountName=x;"
                   f"AccountKey={pick(r, B64, 86)}==;EndpointSuffix=core.windows.net"),
    ]  # fmt: skip


def decoy(rng: random.Random) -> tuple[str, str]:
    """A (name, value) that looks like a secret but is a reference or placeholder."""
    value = rng.choice(
        ("${DB_PASSWORD}", "{{ vault_token }}", "<your-api-key>", "changeme", "",
         "/run/secrets/db_password", "%(password)s", "example-password", "xxxxxxxxxxxxxxxx")
    )  # fmt: skip
    return rng.choice(("password", "api_key", "secret", "token")), value


def private_key_lines(rng: random.Random) -> list[str]:
    """A PEM-shaped block of random base64 (not a key)."""
    kind = rng.choice(("RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"))
    body = base64.b64encode(rng.randbytes(rng.choice((121, 256, 1190)))).decode()
    rows = [body[i : i + 64] for i in range(0, len(body), 64)]
    return [f"-----BEGIN {kind}-----", *rows, f"-----END {kind}-----"]


def assignment(fmt: str, name: str, value: str) -> list[str]:
    """One name = value in the syntax of a format."""
    upper = name.upper()
    return {
        "py": [f'{upper} = "{value}"'],
        "js": [f'const {name} = "{value}";'],
        "yaml": ["credentials:", f'  {name}: "{value}"'],
        "ini": [f"{name} = {value}"],
        "env": [f"{upper}={value}"],
        "json": [f'"{name}": "{value}"'],
        "sh": [f'export {upper}="{value}"'],
        "docker": [f"ENV {upper}={value}"],
    }[fmt]


def key_block(fmt: str, pem: list[str]) -> list[str]:
    """A private key block embedded the way each format usually carries one."""
    one_line = "\\n".join(pem)
    return {
        "py": ['PRIVATE_KEY = """', *pem, '"""'],
        "js": ["const privateKey = `", *pem, "`;"],
        "yaml": ["tls_key: |", *(f"  {row}" for row in pem)],
        "ini": [f"private_key = {pem[0]}", *(f"    {row}" for row in pem[1:])],
        "env": [f'PRIVATE_KEY="{one_line}"'],
        "json": [f'"private_key": "{one_line}"'],
        "sh": ["cat > /etc/ssl/private/server.key <<'EOF'", *pem, "EOF"],
        "docker": [f"RUN echo '{one_line}' > /root/.ssh/id_rsa"],
    }[fmt]


def filler(fmt: str, rng: random.Random) -> list[str]:
    """A block of ordinary, secret-free text in a format."""
    w, v, n, s = rng.choice(WORDS), rng.choice(WORDS), rng.randint(2, 9000), sentence(rng)
    return {
        "py": [f"def {w}_{v}(self, {v}, limit={n}):", f'    """{s}."""',
               f'    value = {v}.get("{w}", {n})', "    if value > limit:",
               f'        logger.debug("{s} %s", value)', "    return value", ""],
        "js": [f"function {w}{v.capitalize()}({v}, opts) {{", f"  // {s}",
               f"  const value = {v}.{w}({n});", f"  if (value > {n}) console.log(`{s}`);",
               "  return opts;", "}", ""],
        "yaml": [f"{w}_{n}:", "  enabled: true", f"  replicas: {n % 7 + 1}",
                 f'  image: "registry.example.com/{w}/{v}:1.{n % 40}"', "  labels:",
                 f"    app: {w}", f"    tier: {v}"],
        "ini": [f"[{w}_{n}]", f"host = {w}.internal", f"port = {n}", f"; {s}", ""],
        "env": [f"# {s}", f"{w.upper()}_HOST={v}.internal", f"{w.upper()}_PORT={n}"],
        "json": [f'"{w}_{n}": "{v}"', f'"{v}_limit": {n}', f'"{w}_enabled": true'],
        "sh": [f"# {s}", f'if [ -f "/etc/{w}/{v}.conf" ]; then', f'  mkdir -p "/var/lib/{w}"',
               f'  echo "{s}"', "fi", ""],
        "docker": [f"RUN apt-get update && apt-get install -y --no-install-recommends {w} \\",
                   "    && rm -rf /var/lib/apt/lists/*", f"ENV {w.upper()}_HOME=/opt/{v}",
                   f"COPY {w}/ /opt/{v}/", f"# {s}"],
    }[fmt]  # fmt: skip


def planted(fmt: str, rng: random.Random) -> list[str]:
    """One planted secret (or, sometimes, a decoy) in a format."""
    roll = rng.random()
    if roll < 0.12:
        return key_block(fmt, private_key_lines(rng))
    if roll < 0.25:
        return assignment(fmt, *decoy(rng))
    return assignment(fmt, *rng.choice(fake_secrets())(rng))


def synthetic_text(fmt: str, rng: random.Random, size: int, secrets: int) -> str:
    """A file of about `size` bytes of filler with `secrets` planted blocks at random places."""
    blocks: list[list[str]] = []
    written = 0
    while written < size:
        blocks.append(filler(fmt, rng))
        written += sum(len(line) + 1 for line in blocks[-1])
    for _ in range(secrets):
        blocks.insert(rng.randint(0, len(blocks)), planted(fmt, rng))
    lines = [line for block in blocks for line in block]
    if fmt == "json":  # one flat object
        return "{\n" + ",\n".join(f"  {line}" for line in lines if line) + "\n}\n"
    return "\n".join(lines) + "\n"


def synthetic_name(fmt: str, index: int, rng: random.Random) -> str:
    """A relative path whose name makes detect-secrets pick the right file type."""
    word = rng.choice(WORDS)
    return {
        "py": f"py/{word}_{index:03d}.py",
        "js": f"js/{word}_{index:03d}.js",
        "yaml": f"yaml/{word}_{index:03d}.{rng.choice(('yaml', 'yml'))}",
        "ini": f"ini/{word}_{index:03d}.{rng.choice(('ini', 'cfg', 'conf'))}",
        "env": rng.choice((f"env/{word}_{index:03d}/.env", f"env/{word}_{index:03d}.env")),
        "json": f"json/{word}_{index:03d}.json",
        "sh": f"sh/{word}_{index:03d}.sh",
        "docker": f"docker/{word}_{index:03d}/{rng.choice(('Dockerfile', 'Containerfile'))}",
    }[fmt]


def write_synthetic(directory: Path, count: int, seed: int) -> Corpus:
    """Write the synthetic set afresh (same seed, same bytes) and list it."""
    shutil.rmtree(directory, ignore_errors=True)
    rng = random.Random(seed)
    files: list[str] = []
    for index in range(count):
        fmt = FORMATS[index % len(FORMATS)]
        path = directory / synthetic_name(fmt, index, rng)
        text = synthetic_text(fmt, rng, rng.randint(1_000, 24_000), rng.randint(1, 5))
        newline = "\r\n" if rng.random() < 0.1 else "\n"  # some files from Windows editors
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline=newline)
        files.append(str(path.resolve()))
    note = f"{count} files in {directory} ({', '.join(FORMATS)}), seed {seed}"
    return Corpus("synthetic-secrets", files, note)


# -- the measuring children --------------------------------------------------------------------


def timed_scan(files: list[str], scan: Callable[[str], list[T]]) -> Scanned[T]:
    """Seconds to scan every file, what each scan returned, and the files it crashed on."""
    found: dict[str, list[T]] = {}
    errors: dict[str, str] = {}
    start = time.perf_counter()
    for path in files:
        try:
            found[path] = scan(path)
        except Exception as error:  # a crash on one file is a result too
            errors[path] = crash_site(error)
    return time.perf_counter() - start, found, errors


def child_reference(file_list: str) -> dict[str, Any]:
    """Plain detect-secrets: scan_file on every file, default plugins and filters."""
    from detect_secrets.core.scan import scan_file  # noqa: PLC0415 - child-only import
    from detect_secrets.settings import default_settings, get_filters, get_plugins  # noqa: PLC0415

    def scan(path: str) -> list[Finding]:
        return [(s.type, s.line_number, s.secret_hash) for s in scan_file(path)]

    files = Path(file_list).read_text().splitlines()
    with default_settings():
        start = time.perf_counter()
        get_plugins(), get_filters()  # what its first scan_file would build (cached)
        setup = time.perf_counter() - start
        seconds, found, errors = timed_scan(files, scan)
    return {"seconds": seconds, "setup_s": setup, "findings": _nonempty(found), "errors": errors}


def child_engine(file_list: str, repeat: str, plugins: str = "builtin") -> dict[str, Any]:
    """SecretEngine.scan on every file's bytes (read included), best of `repeat` runs;
    plugins "builtin" = detect-secrets' own (the comparison), "all" = with image-audit's."""
    from analyzer.secrets.engine import RawSecret, SecretEngine  # noqa: PLC0415 - child-only

    files = Path(file_list).read_text().splitlines()
    start = time.perf_counter()
    engine = SecretEngine(extra_plugins=() if plugins == "builtin" else None)
    # The Unicode prefilter database is compiled when the first non-ASCII text comes: do it
    # here, so that the construction is reported whole and left out of every run alike.
    engine.scan("warm-up.txt", "non-ASCII: \u00e9\n".encode())
    setup = time.perf_counter() - start

    def scan(path: str) -> list[RawSecret]:
        with open(path, "rb") as handle:
            return engine.scan(path, handle.read())

    runs = [timed_scan(files, scan) for _ in range(int(repeat))]
    _, raw, errors = runs[-1]
    judge_s, transform_s = _detect_secrets_share(files, scan)
    found = {
        path: [(s.type, s.line, hashlib.sha1(s.value.encode()).hexdigest()) for s in secrets]
        for path, secrets in raw.items()
    }
    return {
        "seconds": min(run[0] for run in runs),
        "runs": [run[0] for run in runs],
        "setup_s": setup,
        "findings": _nonempty(found),
        "errors": errors,
        "prefilter": engine.prefilter.engine,
        "judge_s": judge_s,
        "transform_s": transform_s,
    }


def _detect_secrets_share(files: list[str], scan: Callable[[str], Any]) -> tuple[float, float]:
    """One more (untimed) engine run that clocks the detect-secrets work it cannot skip while
    detect-secrets stays the judge, its per-line pipeline on the candidate lines (which bounds
    the speedup any prefilter can reach), and the transformers (YAML/INI) apart."""
    from analyzer.secrets.dscompat import dsbridge  # noqa: PLC0415 - child-only

    clock = {"judge": 0.0, "transform": 0.0}

    def timed(name: str, function: Callable[..., Any], consume: bool) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            result = function(*args, **kwargs)
            if consume:
                result = iter(list(result))
            clock[name] += time.perf_counter() - start
            return result

        return wrapper

    scan_lines, transformed = dsbridge.scan_lines, dsbridge.transformed_lines
    setattr(dsbridge, "scan_lines", timed("judge", scan_lines, True))  # noqa: B010
    setattr(dsbridge, "transformed_lines", timed("transform", transformed, False))  # noqa: B010
    try:
        timed_scan(files, scan)
    finally:
        setattr(dsbridge, "scan_lines", scan_lines)  # noqa: B010
        setattr(dsbridge, "transformed_lines", transformed)  # noqa: B010
    return clock["judge"], clock["transform"]


def crash_site(error: Exception) -> str:
    """The exception's type and where it was raised (never its message: it may quote content)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"


def _nonempty(found: dict[str, list[Finding]]) -> dict[str, list[Finding]]:
    return {path: secrets for path, secrets in found.items() if secrets}


def run_child(argv: list[str]) -> None:
    """Entry point of the measuring children: print one JSON object (findings hashed only)."""
    mode, *args = argv
    handlers: dict[str, Callable[..., dict[str, Any]]]
    handlers = {"reference": child_reference, "engine": child_engine}
    print(json.dumps(handlers[mode](*args)))


def measure_child(mode: str, *args: str) -> dict[str, Any]:
    """Run one measuring child to completion and read its report."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", mode, *args]
    proc = subprocess.run(argv, stdout=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench-secrets: `{shlex.join(argv)}` exited with {proc.returncode}")
    return dict(json.loads(proc.stdout))


# -- the parent: measure and compare ----------------------------------------------------------


@dataclass(slots=True)
class Row:
    """The figures of one corpus."""

    corpus: str
    files: int
    mb: float
    engine_s: float
    engine_findings: int
    engine_crashes: int
    """Files on which engine.scan raised."""
    engine_init_s: float
    prefilter: str
    """hyperscan or re: what the engine's prefilter ran on."""
    ds_s: float | None = None
    ds_findings: int | None = None
    ds_crashes: int | None = None
    equal: bool | None = None
    own_s: float | None = None
    """The engine with image-audit's own plugins too (the production set-up)."""
    own_findings: int | None = None
    judge_s: float = 0.0
    """detect-secrets' per-line pipeline on the candidate lines, in one engine run."""
    transform_s: float = 0.0
    """The YAML/INI transformers in the same run."""

    @property
    def ceiling(self) -> float | None:
        """The speedup if everything but detect-secrets' verdicts took no time."""
        return None if self.ds_s is None or self.judge_s <= 0 else self.ds_s / self.judge_s

    @property
    def speedup(self) -> float | None:
        """detect-secrets' time over the engine's."""
        return None if self.ds_s is None else self.ds_s / self.engine_s

    def per_s(self, seconds: float | None) -> tuple[float | None, float | None]:
        """(MB/s, files/s) for a time."""
        if seconds is None:
            return None, None
        return self.mb / seconds, self.files / seconds


def warm(corpus: Corpus) -> int:
    """Read every file once (page cache) and return the corpus size in bytes."""
    return sum(len(Path(path).read_bytes()) for path in corpus.files)


def differences(reference: dict[str, Any], engine: dict[str, Any]) -> list[dict[str, Any]]:
    """Per differing file (findings or crashes), what only one side reports (no values)."""
    theirs_all, ours_all = _as_sets(reference["findings"]), _as_sets(engine["findings"])
    crashes: dict[str, dict[str, str]] = {
        "reference": reference["errors"],
        "engine": engine["errors"],
    }
    diffs: list[dict[str, Any]] = []
    for path in sorted(theirs_all.keys() | ours_all.keys() | _crashed(reference, engine)):
        theirs, ours = theirs_all.get(path, set()), ours_all.get(path, set())
        errors = {side: crashes[side][path] for side in crashes if path in crashes[side]}
        if ours != theirs or errors.get("reference") != errors.get("engine"):
            diffs.append({
                "path": path,
                "only_detect_secrets": sorted({(t, line) for t, line, _ in theirs - ours}),
                "only_engine": sorted({(t, line) for t, line, _ in ours - theirs}),
                "crashes": errors,
            })  # fmt: skip
    return diffs


def _crashed(*reports: dict[str, Any]) -> set[str]:
    return {path for report in reports for path in report["errors"]}


def _as_sets(found: dict[str, list[list[Any]]]) -> dict[str, set[Finding]]:
    return {path: {(str(t), int(n), str(h)) for t, n, h in s} for path, s in found.items()}


def measure(corpus: Corpus, workdir: Path, repeat: int, reference: bool) -> tuple[Row, list[Any]]:
    """Both sides on one corpus (detect-secrets first), and the findings that differ."""
    size = warm(corpus)
    file_list = workdir / f"{corpus.name.replace(':', '-')}.files"
    file_list.write_text("".join(f"{path}\n" for path in corpus.files))
    label = f"{corpus.name} ({size / MB:.1f} MB, {len(corpus.files)} files)"
    ref: dict[str, Any] | None = None
    if reference:
        log(f"detect-secrets on {label} ...")
        ref = measure_child("reference", str(file_list))
    log(f"engine on {label} ...")
    eng = measure_child("engine", str(file_list), str(repeat))
    row = Row(
        corpus.name, len(corpus.files), size / MB, eng["seconds"], _count(eng["findings"]),
        len(eng["errors"]), eng["setup_s"], eng["prefilter"],
    )  # fmt: skip
    log(f"engine with image-audit's own plugins on {label} ...")
    own = measure_child("engine", str(file_list), str(repeat), "all")
    row.own_s, row.own_findings = own["seconds"], _count(own["findings"])
    row.judge_s, row.transform_s = eng["judge_s"], eng["transform_s"]
    if ref is None:
        crashes = [{"path": p, "crashes": {"engine": e}} for p, e in sorted(eng["errors"].items())]
        return row, crashes
    diffs = differences(ref, eng)
    row.ds_s, row.ds_findings, row.ds_crashes = (
        ref["seconds"],
        _count(ref["findings"]),
        len(ref["errors"]),
    )
    row.equal = not diffs
    return row, diffs


def _count(found: dict[str, list[Any]]) -> int:
    return sum(len(secrets) for secrets in found.values())


# -- reporting ---------------------------------------------------------------------------------


def row_json(row: Row) -> dict[str, Any]:
    """One row with the derived rates."""
    (ds_mb_s, ds_files_s), (mb_s, files_s) = row.per_s(row.ds_s), row.per_s(row.engine_s)
    rates = {"ds_mb_s": ds_mb_s, "ds_files_s": ds_files_s, "engine_mb_s": mb_s}
    return {**asdict(row), **rates, "engine_files_s": files_s, "speedup": row.speedup}


def row_cells(row: Row) -> list[Any]:
    """One table row."""
    ds_mb_s, ds_files_s = row.per_s(row.ds_s)
    mb_s, files_s = row.per_s(row.engine_s)
    equal = {None: "n/a", True: "yes", False: "NO"}[row.equal]
    return [row.corpus, row.files, row.mb, row.ds_s, ds_mb_s, ds_files_s, row.engine_s, mb_s,
            files_s, row.speedup, row.ds_findings, row.engine_findings, equal]  # fmt: skip


def main_table(rows: list[Row]) -> str:
    """The headline table."""
    head = ["corpus", "files", "MB", "d-s s", "d-s MB/s", "d-s files/s", "engine s",
            "engine MB/s", "engine files/s", "speedup", "d-s findings", "engine findings",
            "equal"]  # fmt: skip
    return tabulate([row_cells(r) for r in rows], head, floatfmt=".2f", missingval="-")


def verdicts(rows: list[Row]) -> Iterator[str]:
    """One line per compared corpus: target met or not."""
    for row in rows:
        if row.speedup is None:
            continue
        met = row.speedup >= TARGET_SPEEDUP and bool(row.equal)
        same = "identical findings" if row.equal else "DIFFERENT findings"
        verdict = "meets" if met else "misses"
        target = f">= {TARGET_SPEEDUP:.0f}x, identical"
        speed = f"{row.speedup:.0f}x detect-secrets"
        yield f"{row.corpus}: {speed}, {same}: {verdict} the target ({target})"


def print_differences(name: str, diffs: list[dict[str, Any]]) -> None:
    """The first 10 files whose findings differ or that crashed a side (types and lines only)."""
    print(f"\n{name}: {len(diffs)} files differ or crashed (first 10; values never shown):")
    for diff in diffs[:10]:
        print(f"  {diff['path']}")
        for side, crash in diff["crashes"].items():
            print(f"    {side} crashed: {crash}")
        for side, label in (("only_detect_secrets", "detect-secrets"), ("only_engine", "engine")):
            if diff.get(side):
                found = ", ".join(f"{t} @ line {line}" for t, line in diff[side])
                print(f"    only {label}: {found}")
        sides = (diff.get("only_detect_secrets"), diff.get("only_engine"), diff["crashes"])
        if not any(sides):
            print("    same types and lines, different values")


def print_report(report: dict[str, Any], rows: list[Row]) -> None:
    """The human-readable report."""
    print(f"command: {report['command']}")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in report["machine"].items()))
    print(f"engine: best of {report['repeat']} runs, prefilter={report['prefilter']}; "
          "detect-secrets (d-s): one run; each side in a fresh process per corpus;")  # fmt: skip
    print("file reading included in both timings; imports and engine construction excluded\n")
    print(main_table(rows))
    init = ", ".join(f"{r.corpus} {r.engine_init_s:.2f} s" for r in rows)
    print(
        "\nengine construction (plugins + both hyperscan compiles; the Unicode database is "
        f"compiled only once a non-ASCII text comes), excluded above: {init}"
    )
    for corpus in report["corpora"]:
        print(f"{corpus['name']}: {corpus['note']}")
    print()
    for line in verdicts(rows):
        print(line)
    print(
        "\nwhat the engine cannot skip while detect-secrets is the judge (one engine run): its "
        "per-line pipeline on the candidate lines; d-s time over it is the speedup no "
        "prefilter can pass (the ceiling). The transformers (YAML/INI, run where they set "
        "the line numbers) are shown apart:"
    )
    share = [[r.corpus, r.engine_s, r.judge_s, r.transform_s, r.ceiling, r.speedup] for r in rows]
    head = ["corpus", "engine s", "d-s verdicts s", "transformers s", "ceiling", "speedup"]
    print(tabulate(share, head, floatfmt=".3f", missingval="-"))
    print("\nwith image-audit's own plugins too (39+ token detectors; the production set-up):")
    own = [
        [
            r.corpus,
            r.mb / r.own_s if r.own_s else None,
            r.own_findings,
            (r.own_findings or 0) - r.engine_findings,
        ]
        for r in rows
    ]
    print(
        tabulate(
            own,
            ["corpus", "engine MB/s", "findings", "more than detect-secrets' set"],
            floatfmt=".2f",
        )
    )
    for name, diffs in report["differences"].items():
        if diffs:
            print_differences(name, diffs)


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench-secrets",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--workdir", type=Path, default=Path("bench-work"))
    usr, stdlib, count = "default 15 (--quick: 2)", "default 10 (--quick: 1.5)", "default 300"
    parser.add_argument("--usr-mb", type=float, help=f"size of the /usr sample, {usr}")
    parser.add_argument("--stdlib-mb", type=float, help=f"size of the stdlib slice, {stdlib}")
    parser.add_argument("--synthetic-files", type=int, help=f"planted-secret files, {count} (60)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the synthetic set")
    parser.add_argument(
        "--extra", type=Path, action="append", default=[], metavar="DIR",
        help="also scan every file of DIR (repeatable)",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3, help="engine runs per corpus (best)")
    parser.add_argument("--no-reference", action="store_true", help="engine only")
    parser.add_argument("--quick", action="store_true", help="a ~30 s smoke run (small corpora)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    sizes = (2.0, 1.5, 60) if args.quick else (15.0, 10.0, 300)
    for name, size in zip(("usr_mb", "stdlib_mb", "synthetic_files"), sizes, strict=True):
        if getattr(args, name) is None:  # an explicit size wins over --quick
            setattr(args, name, size)
    return args


def build_corpora(args: argparse.Namespace) -> list[Corpus]:
    """Every corpus of this run, in report order."""
    log("choosing files ...")
    corpora = [usr_corpus(args.usr_mb), stdlib_corpus(args.stdlib_mb)]
    workdir: Path = args.workdir
    corpora.append(write_synthetic(workdir / "secrets", args.synthetic_files, args.seed))
    return corpora + [extra_corpus(directory) for directory in args.extra]


def main(argv: list[str]) -> int:
    """Build the corpora, measure both sides on each, report."""
    args = parse_args(argv)
    lists = args.workdir / "secrets-lists"
    lists.mkdir(parents=True, exist_ok=True)
    corpora = build_corpora(args)
    rows: list[Row] = []
    diffs: dict[str, list[Any]] = {}
    for corpus in corpora:
        row, diffs[corpus.name] = measure(corpus, lists, args.repeat, not args.no_reference)
        rows.append(row)
    report: dict[str, Any] = {
        "command": command_line("BENCH_SECRETS_ARGV0"),
        "machine": machine_facts(
            **{"detect-secrets": version("detect-secrets"), "hyperscan": version("hyperscan")}
        ),
        "repeat": args.repeat,
        "prefilter": ", ".join(sorted({r.prefilter for r in rows})),
        "corpora": [{"name": c.name, "files": len(c.files), "note": c.note} for c in corpora],
        "rows": [row_json(r) for r in rows],
        "differences": diffs,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report, rows)
    return 0 if all(r.equal is not False for r in rows) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        run_child(sys.argv[2:])
    else:
        sys.exit(main(sys.argv[1:]))
