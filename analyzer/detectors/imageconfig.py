"""IA-TAG-LATEST, IA-LABELS-MISSING, IA-NO-HEALTHCHECK, IA-EXPOSE-REMOTE, IA-VOLUME-SYSTEM and
IA-BUILD-*: risky image configuration and build history.

What it finds:
- IA-TAG-LATEST: the image is referenced only as `latest`, or has no tag at all: nobody can say
  which build is deployed (PCI DSS 2.2.1 configuration standards, 12.5.1 inventory);
- IA-LABELS-MISSING: traceability labels absent (org.opencontainers.image.source, .version,
  .revision, .created; or at least a maintainer/description);
- IA-NO-HEALTHCHECK: no HEALTHCHECK (or `HEALTHCHECK NONE`);
- IA-EXPOSE-REMOTE: EXPOSE of remote-login ports 22 (ssh) or 23 (telnet), or 2375 (the Docker
  API without TLS);
- IA-VOLUME-SYSTEM: VOLUME over /proc, /sys or /dev, or for the Docker socket;
- IA-BUILD-*: build steps in the history that weaken the image: ADD from a URL (no checksum),
  piping a download into a shell, `apt-get update` without install and list cleanup in the same
  step, TLS verification turned off, `chmod 777`.

Why it matters: PCI DSS 2.2.6 asks for security parameters that prevent misuse, and 2.2.1 for
configuration standards applied consistently; an auditor must be able to trace an image to its
source and build (12.5.1).

Fix: tag releases with versions (and deploy by digest); set OCI labels in CI; add a HEALTHCHECK;
never expose 22/23; download with checksum verification (`ADD --checksum`, `sha256sum -c`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzer.detectors.base import NOTHING
from analyzer.detectors.context import ImageContext
from analyzer.findings.model import Finding, Rule, Severity
from analyzer.image.config import history_step_layers
from analyzer.image.label import split_ref

TAG = Rule(
    "IA-TAG-LATEST",
    "Image tagged only 'latest' or untagged",
    "traceability",
    Severity.LOW,
    "'latest' names whatever was pushed last; deployments are not reproducible or traceable.",
    "Tag with a version and deploy by digest.",
)
LABELS = Rule(
    "IA-LABELS-MISSING",
    "Traceability labels missing",
    "traceability",
    Severity.LOW,
    "Without source, version and revision labels an image cannot be traced to code.",
    "Set org.opencontainers.image.source/version/revision/created at build time.",
)
HEALTHCHECK = Rule(
    "IA-NO-HEALTHCHECK",
    "No HEALTHCHECK",
    "configuration",
    Severity.INFO,
    "Without a health check a hung service keeps receiving traffic.",
    "Add a HEALTHCHECK (or rely on orchestrator probes and say so).",
)
EXPOSE = Rule(
    "IA-EXPOSE-REMOTE",
    "Remote-login or remote-control port exposed",
    "configuration",
    Severity.MEDIUM,
    "Ports 22/23 mean ssh/telnet inside the container, 2375 the Docker API without TLS.",
    "Do not expose 22, 23 or 2375.",
)
VOLUME = Rule(
    "IA-VOLUME-SYSTEM",
    "VOLUME over a system directory or the Docker socket",
    "configuration",
    Severity.MEDIUM,
    "A VOLUME cannot bind a host path itself, but one over /proc, /sys or /dev hides what the "
    "kernel provides there, and one for the Docker socket asks the deployment to bind the "
    "host's: control of the host's Docker daemon, root on the host.",
    "Remove the VOLUME instruction.",
)
BUILD_RULES = {
    "add-url": Rule(
        "IA-BUILD-ADD-URL",
        "ADD from a URL",
        "configuration",
        Severity.MEDIUM,
        "ADD <url> fetches unverified content at build time.",
        "Download with a pinned checksum (ADD --checksum=sha256:...).",
    ),
    "pipe-shell": Rule(
        "IA-BUILD-PIPE-SHELL",
        "Download piped into a shell",
        "configuration",
        Severity.MEDIUM,
        "curl | sh runs whatever the server returns.",
        "Download, verify a checksum or signature, then run.",
    ),
    "apt-update": Rule(
        "IA-BUILD-APT-UPDATE",
        "apt-get update without install and list cleanup in the same step",
        "configuration",
        Severity.LOW,
        "A separate or uncleaned update leaves stale or cached package lists.",
        "apt-get update && apt-get install ... && rm -rf /var/lib/apt/lists/*",
    ),
    "tls-off": Rule(
        "IA-BUILD-TLS-OFF",
        "TLS verification disabled in a build step",
        "configuration",
        Severity.MEDIUM,
        "Downloads without certificate checks can be tampered with in transit.",
        "Remove --no-check-certificate / -k / --insecure / trusted=yes.",
    ),
    "chmod-777": Rule(
        "IA-BUILD-CHMOD-777",
        "chmod 777 in a build step",
        "configuration",
        Severity.MEDIUM,
        "World-writable files can be altered by any process.",
        "Grant the least permissions needed.",
    ),
}
_BUILD_PATTERNS = {
    # ADD --checksum=sha256:... is what the rule's own fix asks for: verified
    "add-url": re.compile(
        r"(?:^|\s)ADD\s+(?!(?:--\S+\s+)*--checksum=)(?:--\S+\s+)*(?:https?|ftp)://", re.I
    ),
    "pipe-shell": re.compile(
        r"\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:ba|da|z)?sh\b"
    ),
    "tls-off": re.compile(
        r"--no-check-certificate|\bcurl\b[^|;&]*\s(?:-k|--insecure)\b|trusted=yes|"
        r"--allow-unauthenticated|sslverify\s*=\s*(?:0|false)|--trusted-host|"
        r"(?i:http\.sslVerify\s*=?\s*false|GIT_SSL_NO_VERIFY=\S|strict-ssl\s*=?\s*false)|"
        r"NODE_TLS_REJECT_UNAUTHORIZED=0|PYTHONHTTPSVERIFY=0"
    ),
    "chmod-777": re.compile(r"\bchmod\s+(?:-\S+\s+)*(?:0?777|a\+rwx)\b"),
}
_TRACE_LABELS = (
    "org.opencontainers.image.source",
    "org.opencontainers.image.version",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.created",
)
_LABEL_SCHEMA = {
    "org.opencontainers.image.source": "org.label-schema.vcs-url",
    "org.opencontainers.image.version": "org.label-schema.version",
    "org.opencontainers.image.revision": "org.label-schema.vcs-ref",
    "org.opencontainers.image.created": "org.label-schema.build-date",
}
"""The older Label Schema convention's name for each (still written by many builds)."""
_DESCRIPTIVE = (
    "maintainer",
    "org.opencontainers.image.authors",
    "org.opencontainers.image.description",
    "org.label-schema.description",
    "description",
)


class ImageConfigDetector:
    """Tags, labels, health check, ports, volumes and build history."""

    rules = (TAG, LABELS, HEALTHCHECK, EXPOSE, VOLUME, *BUILD_RULES.values())

    content = NOTHING

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """Config-level checks, then the build history."""
        yield from _tags(ctx)
        yield from _labels(ctx)
        yield from _runtime(ctx)
        yield from _history(ctx)


def _tags(ctx: ImageContext) -> Iterator[Finding]:
    """A digest reference pins the image whatever its tags. A repository path without a tag
    (`registry.example.com/app`) is `latest`, as docker pull reads it; a bare word is the tag
    itself, as an OCI layout's ref.name usually is (`1.0`, `v2`)."""
    tags = [_tag(r) for r in ctx.image.refs if "@" not in r]
    pinned = any("@" in r for r in ctx.image.refs)
    if not ctx.image.refs:
        yield ctx.finding(TAG, key="untagged", evidence="the archive gives this image no tag")
    elif tags and not pinned and all(t == "latest" for t in tags):
        yield ctx.finding(
            TAG, key="latest", evidence=f"only tagged latest: {', '.join(ctx.image.refs)}"
        )


def _tag(ref: str) -> str:
    """The tag a reference names.

    >>> _tag("example.com:5000/app:1.2"), _tag("example.com/app"), _tag("1.0"), _tag("app:latest")
    ('1.2', 'latest', '1.0', 'latest')
    """
    name, tag = split_ref(ref)
    return tag or ("latest" if "/" in name else name)


def _labels(ctx: ImageContext) -> Iterator[Finding]:
    labels = dict(ctx.config.labels)
    missing = [k for k in _TRACE_LABELS if not labels.get(k) and not labels.get(_LABEL_SCHEMA[k])]
    if not missing:
        return
    described = any(labels.get(k) for k in _DESCRIPTIVE) or bool(ctx.config.author)
    yield ctx.finding(
        LABELS,
        key="labels",
        severity=Severity.INFO if len(missing) < len(_TRACE_LABELS) else None,
        evidence=f"missing {', '.join(missing)}"
        + ("" if described else "; no maintainer or description either"),
    )


def _runtime(ctx: ImageContext) -> Iterator[Finding]:
    check = ctx.config.healthcheck
    if not check or check[0].upper() == "NONE":
        yield ctx.finding(
            HEALTHCHECK,
            key="healthcheck",
            evidence="HEALTHCHECK NONE" if check else "no HEALTHCHECK defined",
        )
    for port in ctx.config.exposed_ports:
        if port.split("/", 1)[0] in ("22", "23", "2375"):
            yield ctx.finding(EXPOSE, key=port, evidence=f"EXPOSE {port}")
    for volume in ctx.config.volumes:
        if re.match(r"^/(?:proc|sys|dev)(?:/|$)|^(?:/var)?/run/docker\.sock$", volume):
            yield ctx.finding(VOLUME, key=volume, evidence=f"VOLUME {volume}")


def _history(ctx: ImageContext) -> Iterator[Finding]:
    layers = history_step_layers(ctx.config, len(ctx.image.layers))
    for step, layer in zip(ctx.config.history, layers, strict=True):
        line = " ".join(step.created_by.split())
        shown = ctx.quote(line, 160)
        for name, why in _matches(line):
            yield ctx.finding(
                BUILD_RULES[name], layer=layer, key=line, evidence=f"build step: {shown}{why}"
            )


def _matches(line: str) -> Iterator[tuple[str, str]]:
    """The build rules a step breaks, each with what its evidence adds ("" for most)."""
    for name, pattern in _BUILD_PATTERNS.items():
        if pattern.search(line):
            yield name, ""
    if re.search(r"\bapt(?:-get)?\s+update\b", line):
        installs = re.search(r"\bapt(?:-get)?\s+(?:-\S+\s+)*install\b", line) is not None
        cleans = "/var/lib/apt/lists" in line
        if not installs:
            yield "apt-update", " (no install in the same step: a later step reuses stale lists)"
        elif not cleans:
            yield "apt-update", " (the package lists are not removed in the same step)"
