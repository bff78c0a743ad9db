"""Odd and hostile JSON documents (index, manifests, configs, manifest.json) get a clear
one-line ManifestError naming the document and the field, or are read; never a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analyzer import AnalyzerError, LimitExceeded, ManifestError, read_archive
from analyzer.archive.source import open_archive
from analyzer.image.loader import load_catalog
from analyzer.image.model import Catalog
from analyzer.limits import Limits
from fixtures.documents import LegacyDocuments, OciDocuments, dumps
from fixtures.example import example_image
from fixtures.outer import ArchiveContent, write_tar_archive

OCI = OciDocuments.of(example_image(compression="gzip"))
LEGACY = LegacyDocuments.of(example_image())


def catalog(content: ArchiveContent, tmp_path: Path) -> Catalog:
    return load_catalog(open_archive(write_tar_archive(content, tmp_path / "image.tar")))


def refused(content: ArchiveContent, tmp_path: Path) -> str:
    with pytest.raises(ManifestError) as caught:
        catalog(content, tmp_path)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 600, message
    return message


def edited(document: bytes, edit: object) -> bytes:
    value = json.loads(document)
    edit(value)  # type: ignore[operator]
    return dumps(value)


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_config_is_refused_not_a_recursion_crash(depth: int, tmp_path: Path) -> None:
    config = OCI.config[:-1] + b',"x":' + nested(depth) + b"}"
    message = refused(OCI.with_documents(config=config).content(), tmp_path)
    assert "more than 64 levels deep" in message and message.startswith("config sha256:")


def test_deeply_nested_index_json_is_refused(tmp_path: Path) -> None:
    index = b'{"manifests":[],"x":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    assert "index.json nests" in refused(OCI.with_documents(index=index).content(), tmp_path)


def test_nesting_as_deep_as_real_documents_go_is_read(tmp_path: Path) -> None:
    config = OCI.config[:-1] + b',"x":' + nested(60) + b"}"
    assert catalog(OCI.with_documents(config=config).content(), tmp_path).images


def test_integer_of_5000_digits_is_refused_clearly(tmp_path: Path) -> None:
    config = OCI.config[:-1] + b',"x":' + b"7" * 5000 + b"}"
    message = refused(OCI.with_documents(config=config).content(), tmp_path)
    assert "integer of more than" in message


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_non_finite_numbers_are_refused(number: bytes, tmp_path: Path) -> None:
    manifest = OCI.manifest[:-1] + b',"x":' + number + b"}"
    message = refused(OCI.with_documents(manifest=manifest).content(), tmp_path)
    assert message.startswith("manifest sha256:")


def test_lone_surrogates_in_a_config_are_kept_as_data(tmp_path: Path) -> None:
    def add(config: dict[str, object]) -> None:
        config["config"] = {"Env": ["A=\ud800"], "Labels": {"x\udfff": "y"}, "User": "\udc80"}

    config = edited(OCI.config, add)
    assert b"\\ud800" in config
    [image] = catalog(OCI.with_documents(config=config).content(), tmp_path).images
    assert image.config.env == ("A=\ud800",) and image.config.user == "\udc80"
    assert image.config.labels == (("x\udfff", "y"),)


def test_lone_surrogate_in_a_legacy_tag_reads_through_the_whole_archive(tmp_path: Path) -> None:
    manifest = edited(LEGACY.manifest, lambda m: m[0].update(RepoTags=["bad\ud800:1"]))
    path = write_tar_archive(LEGACY.with_documents(manifest=manifest).content(), tmp_path / "a")
    [view] = read_archive(path).images
    assert view.image.refs == ("bad\ud800:1",)


def test_document_that_is_not_utf8_is_refused_naming_the_byte(tmp_path: Path) -> None:
    config = OCI.config.replace(b'"os":"linux"', b'"os":"lin\xffux"')
    message = refused(OCI.with_documents(config=config).content(), tmp_path)
    assert "is not UTF-8 text (byte 0xff" in message


def test_utf16_document_is_refused_not_guessed(tmp_path: Path) -> None:
    index = OCI.index.decode().encode("utf-16-le")
    assert "index.json is not UTF-8" in refused(OCI.with_documents(index=index).content(), tmp_path)


def test_utf8_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    docs = OCI.with_documents(index=b"\xef\xbb\xbf" + OCI.index)
    assert len(catalog(docs.content(), tmp_path).images) == 1


def test_repeated_key_keeps_the_last_value_as_docker_does_with_a_notice(tmp_path: Path) -> None:
    config = OCI.config.replace(b'"os":"linux"', b'"os":"windows","os":"linux"')
    result = catalog(OCI.with_documents(config=config).content(), tmp_path)
    assert str(result.images[0].platform) == "linux/amd64"
    assert any("repeats keys within one object ('os')" in n for n in result.notices)


WRONG_SHAPES = [
    ("index", lambda d: d.update(manifests="all"), "index.json: manifests must be a list of"),
    ("index", lambda d: d["manifests"].append(7), "index.json: manifests[1] must be a JSON obj"),
    ("index", lambda d: d["manifests"][0].update(digest=["x"]), "digest must be a digest str"),
    ("index", lambda d: d["manifests"][0].update(digest="sha256:x"), "not a valid sha256 digest"),
    ("index", lambda d: d["manifests"][0].update(digest="ab12"), "'ab12' is not a digest"),
    ("index", lambda d: d["manifests"][0].update(size="9"), "manifests[0].size must be a byte"),
    ("index", lambda d: d["manifests"][0].update(size=-1), "manifests[0].size is -1, not a byte"),
    ("index", lambda d: d["manifests"][0].update(size=True), "manifests[0].size must be a byte"),
    ("index", lambda d: d["manifests"][0].update(mediaType=3), "mediaType must be a string"),
    ("index", lambda d: d["manifests"][0].update(platform="linux"), "platform must be an obj"),
    ("index", lambda d: d["manifests"][0]["annotations"].update(x=1), "annotations['x'] must"),
    ("manifest", lambda d: d.update(layers=None), "has no 'layers' list"),
    ("manifest", lambda d: d.update(layers={"a": 1}), "layers must be a list of objects"),
    ("manifest", lambda d: d.update(config=[]), ": config must be a JSON object, found a list"),
    ("manifest", lambda d: d["layers"][0].update(digest=None), "layers[0].digest must be a"),
    ("manifest", lambda d: d["config"].update(size=1 << 64), "config.size is 1844674407370955"),
    ("config", lambda d: d["config"].update(Env="A=1"), "config.Env must be a list of strings"),
    ("config", lambda d: d["config"].update(Env=[1]), "config.Env[0] must be a string"),
    ("config", lambda d: d["config"].update(Labels=[]), "config.Labels must be an object"),
    ("config", lambda d: d["config"].update(User=0), "config.User must be a string, found a num"),
    ("config", lambda d: d.update(history={}), "history must be a list of objects"),
    ("config", lambda d: d["history"][0].update(empty_layer="no"), "empty_layer must be true"),
    ("config", lambda d: d.update(rootfs=[]), "rootfs must be an object, found a list"),
    ("config", lambda d: d["rootfs"]["diff_ids"].append(5), "rootfs.diff_ids[4] must be a dig"),
    ("config", lambda d: d.update(os=None, architecture=[]), "architecture must be a string"),
]


@pytest.mark.parametrize(("document", "edit", "says"), WRONG_SHAPES)
def test_field_of_the_wrong_type_is_named_in_a_clear_error(
    document: str, edit: object, says: str, tmp_path: Path
) -> None:
    docs = OCI.with_documents(**{document: edited(getattr(OCI, document), edit)})
    assert says in refused(docs.content(), tmp_path)


LEGACY_SHAPES = [
    (lambda d: d[0].update(RepoTags=[5]), "manifest.json entry 0: RepoTags[0] must be a string"),
    (lambda d: d[0].update(RepoTags="a:1"), "RepoTags must be a list of strings"),
    (lambda d: d[0].update(Layers=[None]), "manifest.json entry 0: Layers[0] must be a string"),
    (lambda d: d[0].update(Config=1), "entry 0 lacks a Config name or a Layers list"),
    (lambda d: d.append("x"), "manifest.json entry 1 must be a JSON object, found a string"),
]


@pytest.mark.parametrize(("edit", "says"), LEGACY_SHAPES)
def test_legacy_manifest_fields_of_the_wrong_type_are_named(
    edit: object, says: str, tmp_path: Path
) -> None:
    docs = LEGACY.with_documents(manifest=edited(LEGACY.manifest, edit))
    assert says in refused(docs.content(), tmp_path)


def test_null_fields_read_as_absent_as_docker_writes_them(tmp_path: Path) -> None:
    def nulls(config: dict[str, object]) -> None:
        config["config"] = {"Env": None, "Cmd": None, "Labels": None, "Volumes": None}
        config["author"] = None

    config = edited(LEGACY.config, nulls)
    [image] = catalog(LEGACY.with_documents(config=config).content(), tmp_path).images
    assert image.config.env == () and image.config.labels == () and image.config.author == ""


def test_single_string_cmd_reads_as_docker_strslice(tmp_path: Path) -> None:
    config = edited(OCI.config, lambda d: d["config"].update(Cmd="sh", Entrypoint=None))
    [image] = catalog(OCI.with_documents(config=config).content(), tmp_path).images
    assert image.config.cmd == ("sh",)


def test_hostile_digest_is_quoted_on_one_bounded_line(tmp_path: Path) -> None:
    hostile = "sha256:\x1b[2J\n" + "a" * 1_000_000
    index = edited(OCI.index, lambda d: d["manifests"][0].update(digest=hostile))
    message = refused(OCI.with_documents(index=index).content(), tmp_path)
    assert "\\x1b[2J\\x0a" in message


def test_hostile_legacy_config_name_is_quoted_on_one_bounded_line(tmp_path: Path) -> None:
    name = "missing\r\n" + "x" * 100_000 + ".json"
    manifest = edited(LEGACY.manifest, lambda d: d[0].update(Config=name))
    with pytest.raises(AnalyzerError) as caught:
        catalog(LEGACY.with_documents(manifest=manifest).content(), tmp_path)
    message = str(caught.value)
    assert "'missing\\x0d\\x0axxx" in message and "\n" not in message and len(message) < 600


MAX_ITEMS = Limits().max_config_items
TOO_MANY = range(MAX_ITEMS + 1)
HUGE_LISTS = [
    (lambda d: d.update(history=[{} for _ in TOO_MANY]), "history"),
    (lambda d: d["config"].update(Env=[f"V{i}=" for i in TOO_MANY]), "config.Env"),
    (lambda d: d["config"].update(Labels={f"{i}": "" for i in TOO_MANY}), "config.Labels"),
    (lambda d: d["config"].update(ExposedPorts={f"{i}": {} for i in TOO_MANY}), "ExposedPorts"),
    (lambda d: d["config"].update(Volumes={f"/{i}": {} for i in TOO_MANY}), "config.Volumes"),
    (lambda d: d["config"].update(Cmd=["x"] * len(TOO_MANY)), "config.Cmd"),
    (lambda d: d["config"].update(Entrypoint=["x"] * len(TOO_MANY)), "config.Entrypoint"),
    (lambda d: d["config"].update(Healthcheck={"Test": ["x"] * len(TOO_MANY)}), "Test"),
    (lambda d: d["rootfs"].update(diff_ids=["sha256:" + "0" * 64] * len(TOO_MANY)), "diff_ids"),
]


@pytest.mark.parametrize(("edit", "field"), HUGE_LISTS)
def test_a_config_list_longer_than_any_real_image_holds_is_a_limit_naming_the_field(
    edit: object, field: str, tmp_path: Path
) -> None:
    docs = OCI.with_documents(config=edited(OCI.config, edit))
    with pytest.raises(LimitExceeded) as caught:
        catalog(docs.content(), tmp_path)
    message = str(caught.value)
    assert message.startswith("config sha256:") and "\n" not in message, message
    assert f"{field} holds 10,001 items, over the limit of 10,000" in message


def test_a_legacy_config_history_of_half_a_million_empty_steps_is_a_limit(tmp_path: Path) -> None:
    config = edited(LEGACY.config, lambda d: d.update(history=[{}] * 500_000))
    with pytest.raises(LimitExceeded, match="history holds 500,000 items"):
        catalog(LEGACY.with_documents(config=config).content(), tmp_path)


def test_a_manifest_listing_more_layers_than_the_limit_is_refused(tmp_path: Path) -> None:
    def many_layers(manifest: dict[str, list[object]]) -> None:
        manifest["layers"] = manifest["layers"][:1] * (MAX_ITEMS + 1)

    docs = OCI.with_documents(manifest=edited(OCI.manifest, many_layers))
    with pytest.raises(LimitExceeded, match="layers holds 10,001 items"):
        catalog(docs.content(), tmp_path)


def test_config_lists_as_long_as_the_limit_are_read(tmp_path: Path) -> None:
    def long_lists(config: dict[str, Any]) -> None:
        steps = config["history"]
        config["history"] = steps + [{"empty_layer": True}] * (MAX_ITEMS - len(steps))
        config["config"]["Env"] = [f"V{i}=" for i in range(MAX_ITEMS)]

    docs = OCI.with_documents(config=edited(OCI.config, long_lists))
    [image] = catalog(docs.content(), tmp_path).images
    assert len(image.config.history) == len(image.config.env) == MAX_ITEMS
    assert image.layers[1].created_by == "COPY app/ /app/ # buildkit"
