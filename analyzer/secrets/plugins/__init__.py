"""image-audit's own detect-secrets plugins (token formats newer than detect-secrets' built-ins).

Each module defines detect-secrets plugin classes (RegexBasedDetector subclasses); they are
registered with detect-secrets through its custom-plugin mechanism (a file path per module), so
the engine's prefilter, filters, fingerprints and redaction apply to them unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MODULES: tuple[str, ...] = ("code_hosting", "cloud", "ai", "saas", "infra", "encoded")
"""Module names (files in this package) holding plugin classes, in registration order."""


def plugin_settings() -> list[dict[str, Any]]:
    """detect-secrets `plugins_used` entries for every plugin class of this package."""
    here = Path(__file__).resolve().parent
    return [
        {"name": name, "path": f"file://{here / (module + '.py')}"}
        for module in MODULES
        for name in _classes(module)
    ]


def _classes(module: str) -> list[str]:
    import importlib  # noqa: PLC0415

    loaded = importlib.import_module(f"analyzer.secrets.plugins.{module}")
    return list(getattr(loaded, "PLUGINS", ()))
