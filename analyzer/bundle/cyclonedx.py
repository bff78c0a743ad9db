"""packages.cdx.json: one image's software inventory as a CycloneDX 1.5 JSON BOM.

Written as a plain dict and validated against the vendored CycloneDX schemas (bom-1.5, spdx,
jsf-0.82) with jsonschema, offline: the three schemas are registered under their `$id`s in a
`referencing.Registry`, so the relative `$ref`s between them resolve locally and nothing is fetched.

The BOM describes the image (metadata.component, type "container"); its components are the
operating system (type "operating-system", from /etc/os-release) and every package found (type
"library", OS packages included), each with its purl as bom-ref and where it was found. The serial
number and timestamp come from the caller, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from analyzer.image.label import split_ref
from analyzer.text import exact_bytes

SPEC_VERSION = "1.5"
BOM_SCHEMA_ID = "http://cyclonedx.org/schema/bom-1.5.schema.json"
SCHEMA_FILES = ("bom-1.5.schema.json", "spdx.schema.json", "jsf-0.82.schema.json")
PROPERTY_PREFIX = "image-audit:"
_EXPRESSION_WORDS = (" AND ", " OR ", " WITH ")


def cyclonedx_document(
    image_doc: dict[str, Any],
    archive_doc: dict[str, Any],
    *,
    serial: str,
    timestamp: str,
    tool_version: str,
) -> dict[str, Any]:
    """The CycloneDX BOM of one image of a `scan --format json` document."""
    image = image_component(image_doc, archive_doc)
    components = _os_components(image_doc.get("os")) + package_components(image_doc["packages"])
    vulnerabilities = vulnerability_entries(image_doc["findings"], components)
    return {
        "$schema": BOM_SCHEMA_ID,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": serial,
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": {
                "components": [
                    {"type": "application", "name": "image-audit", "version": tool_version}
                ]
            },
            "component": image,
        },
        "components": components,
        "dependencies": [
            {"ref": image["bom-ref"], "dependsOn": [c["bom-ref"] for c in components]},
            *({"ref": c["bom-ref"]} for c in components),
        ],
        **({"vulnerabilities": vulnerabilities} if vulnerabilities else {}),
    }


def vulnerability_entries(
    findings: list[dict[str, Any]], components: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The BOM's `vulnerabilities`: one per listed IA-VULN finding, affecting the component of
    the package it was found in (by where it was found, its layer, name and version)."""
    refs = {_component_key(c): c["bom-ref"] for c in components}
    entries = []
    for finding in findings:
        if finding["rule_id"] != "IA-VULN":
            continue
        details = finding["details"]
        key = (
            finding["path"],
            str(finding["layer_index"]),
            details["package"],
            details["installed"],
        )
        entries.append(_vulnerability(finding, details, refs.get(key)))
    return entries


def _component_key(component: dict[str, Any]) -> tuple[str, str, str, str]:
    props = {
        p["name"].removeprefix(PROPERTY_PREFIX): p["value"] for p in component.get("properties", [])
    }
    return (
        props.get("found_in", ""),
        props.get("layer", ""),
        component["name"],
        component.get("version", ""),
    )


def _vulnerability(
    finding: dict[str, Any], details: dict[str, str], ref: str | None
) -> dict[str, Any]:
    vector = details.get("cvss", "")
    rating: dict[str, Any] = {"severity": "unknown"}
    if details.get("score", "unknown") != "unknown":
        rating = {"score": float(details["score"]), "severity": finding["severity"]}
        if vector:
            rating |= {"method": _cvss_method(vector), "vector": vector}
    entry: dict[str, Any] = {
        "bom-ref": f"vuln:{details['vulnerability']}:{finding['fingerprint'][:12]}",
        "id": details["vulnerability"],
        "ratings": [rating],
        "description": finding["evidence"],
        "affects": [
            {
                "ref": ref or details.get("purl") or details["package"],
                "versions": [{"version": details["installed"], "status": "affected"}],
            }
        ],
        "properties": _properties(
            [("fingerprint", finding["fingerprint"]), ("fixed", details["fixed"])]
        ),
    }
    aliases = [a for a in details.get("aliases", "").split(", ") if a]
    if aliases:
        entry["references"] = [{"id": a, "source": {"name": _source_of(a)}} for a in aliases]
    if details["fixed"]:
        entry["recommendation"] = f"upgrade {details['package']} to {details['fixed']} or later"
    return entry


def _cvss_method(vector: str) -> str:
    if vector.startswith("CVSS:4"):
        return "CVSSv4"
    if vector.startswith("CVSS:3.1"):
        return "CVSSv31"
    return "CVSSv3" if vector.startswith("CVSS:3") else "CVSSv2"


def _source_of(identifier: str) -> str:
    """The database an id belongs to, from its prefix ("CVE", "GHSA", "PYSEC"...)."""
    return identifier.split("-", 1)[0] or "unknown"


def image_component(image_doc: dict[str, Any], archive_doc: dict[str, Any]) -> dict[str, Any]:
    """metadata.component: the container image itself."""
    config_digest = str(image_doc["config_digest"])
    refs = [str(r) for r in image_doc.get("refs", [])]
    name, version = split_ref(refs[0]) if refs else (config_digest, "")
    component: dict[str, Any] = {
        "type": "container",
        "bom-ref": f"image:{config_digest}",
        "name": name,
    }
    if version:
        component["version"] = version
    algorithm, _, hex_digest = config_digest.partition(":")
    if algorithm == "sha256" and len(hex_digest) == 64:
        component["hashes"] = [{"alg": "SHA-256", "content": hex_digest}]
    purl = _oci_purl(name, version, str(image_doc.get("manifest_digest", "")))
    if purl:
        component["purl"] = purl
    facts = {
        "config_digest": config_digest,
        "manifest_digest": image_doc.get("manifest_digest", ""),
        "platform": image_doc.get("platform", ""),
        "source_format": image_doc.get("source_format", ""),
        "archive_format": archive_doc.get("format", ""),
        "user": image_doc.get("user", ""),
    }
    pairs = [*facts.items(), *(("ref", r) for r in refs)]
    component["properties"] = _properties(pairs)
    return component


def _oci_purl(name: str, version: str, manifest_digest: str) -> str:
    """The purl of an OCI image, which needs the manifest digest (pkg:oci/app@sha256%3A...)."""
    if not manifest_digest:
        return ""
    qualifiers = [f"repository_url={_percent(name, '/:')}"]
    if version and not version.startswith("sha256:"):
        qualifiers.append(f"tag={_percent(version)}")
    last = name.rsplit("/", 1)[-1].lower()
    return f"pkg:oci/{_percent(last)}@{_percent(manifest_digest)}?" + "&".join(qualifiers)


def _percent(text: str, safe: str = "") -> str:
    """Percent-encoding of the bytes `text` was read from (a reference from JSON may hold a
    lone surrogate, which has no UTF-8 form).

    >>> _percent("app:1\\ud800")
    'app%3A1%ED%A0%80'
    """
    return quote(exact_bytes(text), safe=safe)


def _os_components(os_doc: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not os_doc or not os_doc.get("id"):
        return []
    component: dict[str, Any] = {
        "type": "operating-system",
        "bom-ref": f"os:{os_doc['id']}@{os_doc.get('version_id', '')}",
        "name": os_doc["id"],
    }
    if os_doc.get("version_id"):
        component["version"] = os_doc["version_id"]
    if os_doc.get("pretty_name"):
        component["description"] = os_doc["pretty_name"]
    keys = ("codename", "eol_date", "eol_status", "identified_by")
    component["properties"] = _properties((k, os_doc.get(k)) for k in keys)
    return [component]


def package_components(packages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One "library" component per package found, sorted, each with a unique bom-ref."""
    ordered = sorted(
        packages,
        key=lambda p: (
            str(p.get("purl") or ""),
            str(p["name"]),
            str(p.get("version") or ""),
            str(p.get("found_in") or ""),
            int(p.get("layer") or 0),
        ),
    )
    seen: set[str] = set()
    components = []
    for package in ordered:
        component = _package_component(package)
        ref = component["bom-ref"]
        # The same package can sit in two places (two site-packages); bom-refs must stay unique.
        if ref in seen:
            ref = f"{ref}#{package.get('found_in', '')}@{package.get('layer', '')}"
        seen.add(ref)
        component["bom-ref"] = ref
        components.append(component)
    return components


def _package_component(package: dict[str, Any]) -> dict[str, Any]:
    purl = str(package.get("purl") or "")
    name, version = str(package["name"]), str(package.get("version") or "")
    component: dict[str, Any] = {
        "type": "library",
        "bom-ref": purl or f"{package.get('kind', 'package')}:{name}@{version}",
        "name": name,
    }
    if version:
        component["version"] = version
    if purl:
        component["purl"] = purl
    license_text = str(package.get("license") or "").strip()
    if license_text:
        component["licenses"] = license_choice(license_text)
    keys = ("layer", "found_in", "kind", "arch", "source")
    component["properties"] = _properties((k, package.get(k)) for k in keys)
    return component


def license_choice(text: str) -> list[dict[str, Any]]:
    """A package's license as CycloneDX: an SPDX id, an SPDX expression, or a free-text name.

    >>> license_choice("MIT")
    [{'license': {'id': 'MIT'}}]
    >>> license_choice("MPL-2.0 AND MIT")
    [{'expression': 'MPL-2.0 AND MIT'}]
    >>> license_choice("GPL2+")
    [{'license': {'name': 'GPL2+'}}]
    """
    if text in spdx_ids():
        return [{"license": {"id": text}}]
    if any(word in f" {text} " for word in _EXPRESSION_WORDS):
        return [{"expression": text}]
    return [{"license": {"name": text}}]


def _properties(pairs: Iterable[tuple[str, object]]) -> list[dict[str, str]]:
    """CycloneDX properties, sorted, with empty values left out."""
    kept = [(PROPERTY_PREFIX + k, str(v)) for k, v in pairs if v is not None and str(v) != ""]
    return [{"name": k, "value": v} for k, v in sorted(kept)]


def _schema_text(name: str) -> dict[str, Any]:
    text = resources.files("analyzer.bundle").joinpath(f"schemas/{name}").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@cache
def spdx_ids() -> frozenset[str]:
    """The SPDX license ids the vendored schema accepts."""
    return frozenset(str(i) for i in _schema_text("spdx.schema.json")["enum"])


@cache
def _validator() -> Any:
    """The BOM schema's validator (jsonschema is imported here: only validation needs it, and
    it takes a tenth of a second to import)."""
    import jsonschema  # noqa: PLC0415
    from referencing import Registry, Resource  # noqa: PLC0415

    schemas = [_schema_text(name) for name in SCHEMA_FILES]
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas
    )
    return jsonschema.Draft7Validator(
        schemas[0], registry=registry, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def cyclonedx_errors(doc: dict[str, Any]) -> list[str]:
    """Why `doc` is not a valid CycloneDX 1.5 BOM (empty when it is); never fetches anything."""
    errors = _validator().iter_errors(doc)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors)
