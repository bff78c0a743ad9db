"""Print the secret-coverage table of image-audit's own detect-secrets plugins, in Markdown.

One row per plugin, in registration order: provider, token kinds, the validation beyond the
regex, severity and rule id. Everything comes from the plugin classes (PROVIDER, KINDS,
VALIDATION, secret_type) and the rule catalogue (analyzer.secrets.kinds), so the README table
is regenerated, never edited by hand: .venv/bin/python scripts/coverage_table.py
"""

from __future__ import annotations

import importlib

from analyzer.secrets.kinds import rule_for
from analyzer.secrets.plugins import MODULES

HEADER = ("Provider", "Token kinds", "Validation", "Severity", "Rule id")


def rows() -> list[tuple[str, ...]]:
    """One row per plugin class, module by module in registration order."""
    found: list[tuple[str, ...]] = []
    for module_name in MODULES:
        module = importlib.import_module(f"analyzer.secrets.plugins.{module_name}")
        for class_name in module.PLUGINS:
            plugin = getattr(module, class_name)
            rule = rule_for(plugin.secret_type)
            found.append(
                (
                    plugin.PROVIDER,
                    plugin.KINDS,
                    plugin.VALIDATION,
                    rule.severity.name.lower(),
                    rule.id,
                )
            )
    return found


def markdown(table: list[tuple[str, ...]]) -> str:
    """A Markdown table with HEADER; pipes inside cells are escaped."""
    lines = [HEADER, tuple("---" for _ in HEADER), *table]
    return "\n".join(
        "| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines
    )


if __name__ == "__main__":
    print(markdown(rows()))
