"""The PCI mapping: which requirements each finding category bears on, which severities fail a
requirement, and which checks a verdict on each requirement rests on (one reviewed table each).

Requirement texts are short summaries in our own words (see ../shared/PCI.md). Ids are PCI DSS v4.0
unless prefixed "CG" (the PCI SSC container guidance, section 12, container image building).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import assert_never

from analyzer.findings.model import Severity

REQUIREMENTS: dict[str, str] = {
    "CG-12.1": "Build from trusted, current, minimal base images (no unnecessary packages)",
    "CG-12.2": "Keep base images in a registry the organisation controls; verify provenance",
    "CG-12.3": "Build images to run as a non-root user",
    "CG-12.4": "Never put secrets in images; nothing secret may remain in any layer",
    "2.2.1": "Configuration standards exist and are applied (pinned, traceable images)",
    "2.2.4": "Only necessary services, protocols, daemons and functions are enabled",
    "2.2.6": "System security parameters are configured to prevent misuse",
    "6.3.2": "An inventory of bespoke and third-party software components is maintained",
    "6.3.3": "Components are protected from known vulnerabilities by applying patches",
    "7.2.1": "An access control model grants access on a need-to-know basis",
    "7.2.2": "Access is assigned by job function with least privilege",
    "8.6.2": "Passwords for application and system accounts are not hard-coded",
    "12.5.1": "An inventory of in-scope system components and their function is kept",
}

CATEGORY_CONTROLS: dict[str, tuple[str, ...]] = {
    "secrets": ("CG-12.4", "8.6.2"),
    "privilege": ("CG-12.3", "7.2.1", "7.2.2"),
    "unnecessary-software": ("CG-12.1", "2.2.4"),
    "base-image": ("CG-12.1", "6.3.3"),
    "provenance": ("CG-12.2",),
    "traceability": ("2.2.1", "12.5.1"),
    "inventory": ("6.3.2",),
    "vulnerabilities": ("6.3.3",),
    "configuration": ("2.2.6",),
}


def controls_for(category: str) -> tuple[str, ...]:
    """The requirement ids a category bears on.

    >>> controls_for("privilege")
    ('CG-12.3', '7.2.1', '7.2.2')
    """
    return CATEGORY_CONTROLS[category]


class Effect(enum.Enum):
    """What a finding does to each requirement it bears on."""

    FAILS = "fails"
    OBSERVATION = "observation"
    """Reported and counted beside the verdict, but never its reason: a shell or a missing label
    is worth knowing, not a failed requirement."""


SEVERITY_EFFECT: dict[Severity, Effect] = {
    Severity.CRITICAL: Effect.FAILS,
    Severity.HIGH: Effect.FAILS,
    Severity.MEDIUM: Effect.FAILS,
    Severity.LOW: Effect.OBSERVATION,
    Severity.INFO: Effect.OBSERVATION,
}
"""The one table of which severities fail a requirement: medium and above fail every requirement
the finding bears on; low and info findings alone never do."""


def fails(severity: Severity) -> bool:
    """True when a finding of this severity fails the requirements it bears on.

    >>> fails(Severity.MEDIUM), fails(Severity.LOW)
    (True, False)
    """
    effect = SEVERITY_EFFECT[severity]
    match effect:
        case Effect.FAILS:
            return True
        case Effect.OBSERVATION:
            return False
        case _:
            assert_never(effect)


OBSERVED: tuple[Severity, ...] = tuple(s for s in Severity if not fails(s))
"""The severities counted as observations, most severe first."""


class Check(enum.Enum):
    """A part of the scan that a verdict may rest on; a pass needs every one of its checks to
    have run (analyzer.findings.evidence says, per image, which could not)."""

    SECRETS = "secrets"
    PRIVILEGE = "privilege"
    SOFTWARE = "unnecessary software"
    BASE_OS = "base OS support"
    VULNERABILITIES = "known vulnerabilities"
    INVENTORY = "package inventory"
    REGISTRY = "registry origin"
    SIGNATURES = "signatures"
    CONFIGURATION = "configuration"
    BUILD_STEPS = "build steps"
    TRACEABILITY = "traceability"


CHECKED: dict[Check, str] = {
    Check.SECRETS: "every regular file of every layer up to --max-file-bytes (deleted ones too; "
    "keys compiled into programs and libraries excepted) and the members of the zip, jar, tar "
    "and compressed files among them, one level deep (archives inside them examined as stored; "
    "compressed manual pages and documentation under /usr/share excepted), ENV, labels, "
    "entrypoint, cmd and build history examined for secrets",
    Check.PRIVILEGE: "default user, uid-0 and duplicate-id accounts, empty passwords, sudo "
    "NOPASSWD, SSH root login, setuid/setgid files and file capabilities",
    Check.SOFTWARE: "shells, BusyBox, package managers, compilers, debuggers, network tools and "
    "SSH servers: programs of bin, sbin and libexec folders, by the name they are reached by "
    "(a renamed program is not recognised)",
    Check.BASE_OS: "base OS identified and looked up in the offline end-of-life table",
    Check.VULNERABILITIES: "packages compared with vulnerability data",
    Check.INVENTORY: "packages read from the dpkg, apk or rpm (sqlite) database, and Python and "
    "npm packages",
    Check.REGISTRY: "registries of the image's references compared with --trusted-registry",
    Check.SIGNATURES: "a signature of the image's manifest present in the archive (not verified)",
    Check.CONFIGURATION: "world-writable paths, package sources, exposed ports, volumes, "
    "healthcheck",
    Check.BUILD_STEPS: "build history lines (ADD from a URL, downloads piped into a shell, TLS "
    "off, chmod 777, apt-get update left behind)",
    Check.TRACEABILITY: "tag and OCI traceability labels",
}
"""What each check examines, as the report states it beside a verdict."""


@dataclass(frozen=True, slots=True)
class Basis:
    """What a verdict on one requirement rests on."""

    checks: tuple[Check, ...]
    manual: str = ""
    """Why a person must judge the requirement even when the image shows nothing against it
    ("" when the image itself can show the requirement met)."""


_PEOPLE = "; the image shows only its own privileges"
REQUIREMENT_BASIS: dict[str, Basis] = {
    "CG-12.1": Basis((Check.SOFTWARE, Check.BASE_OS)),
    "CG-12.2": Basis((Check.REGISTRY, Check.SIGNATURES)),
    "CG-12.3": Basis((Check.PRIVILEGE,)),
    "CG-12.4": Basis((Check.SECRETS,)),
    "2.2.1": Basis(
        (Check.TRACEABILITY,),
        "whether configuration standards exist and are applied is the organisation's practice; "
        "the image shows only its tag and labels",
    ),
    "2.2.4": Basis((Check.SOFTWARE,)),
    "2.2.6": Basis((Check.CONFIGURATION, Check.BUILD_STEPS)),
    "6.3.2": Basis((Check.INVENTORY,)),
    "6.3.3": Basis((Check.BASE_OS, Check.VULNERABILITIES)),
    "7.2.1": Basis(
        (Check.PRIVILEGE,),
        "the access control model for people is defined outside the image" + _PEOPLE,
    ),
    "7.2.2": Basis(
        (Check.PRIVILEGE,),
        "access is assigned to people by job function outside the image" + _PEOPLE,
    ),
    "8.6.2": Basis((Check.SECRETS,)),
    "12.5.1": Basis(
        (Check.TRACEABILITY,),
        "the inventory of in-scope system components is kept by the organisation; the image can "
        "only name itself through its tag and labels",
    ),
}
"""Per requirement, the checks a pass needs, and why a person must judge it when the image
cannot show it met."""
