"""The PCI mapping: which requirements each finding category bears on (one reviewed table).

Requirement texts are short summaries in our own words (see ../shared/PCI.md). Ids are PCI DSS v4.0
unless prefixed "CG" (the PCI SSC container guidance, section 12, container image building).
"""

from __future__ import annotations

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
    "configuration": ("2.2.6",),
}


def controls_for(category: str) -> tuple[str, ...]:
    """The requirement ids a category bears on.

    >>> controls_for("privilege")
    ('CG-12.3', '7.2.1', '7.2.2')
    """
    return CATEGORY_CONTROLS[category]
