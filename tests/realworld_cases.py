"""Ground truth for every input under ../shared/realworld/images, checked by hand.

How it was checked (2026-11, against the bytes, not against any reader of ours):

* Every archive was listed with GNU ``tar -tvf`` (``-i`` where concatenated streams or
  end-of-archive markers mattered) and opened again with Python's ``tarfile``; outer
  compression was identified by magic bytes and undone with ``gzip``/``xz``/``zstd -dc``.
* Every file size and sha256 listed in each PROVENANCE.txt was recomputed (573 listed files
  present and matching; the 24 listed but absent files are named in the notes below).
* manifest.json / index.json / oci-layout / configs were read with ``json``; every blob of every
  OCI layout was hashed and compared with its name and descriptor size; every config was hashed
  and compared with the digest its file name claims; every layer was decompressed and its
  sha256 compared with the config's ``rootfs.diff_ids``; every descriptor reachable from
  index.json was resolved depth-first (nested indexes, duplicates, artifacts, missing blobs).
* Path histories were computed with a small throw-away overlay simulator (kept outside the repo)
  and then re-read layer by layer in ``tar -tvf`` output: names normalised to absolute POSIX
  paths, ``.wh.x`` deletes x (and everything under it) in that layer, ``.wh..wh..opq`` in d
  deletes everything under d coming from LOWER layers only. A path that a layer lists again
  while it already exists (directories re-emitted as parents included) is "modified".
* Only afterwards, the in-progress reader (a copy, run outside the repo) was run over every case
  to hunt for disagreements; each one was re-checked against the bytes. The ones left are
  deliberate: refs merged over duplicate descriptors (ggcr test_gc_index/test_index, regclient
  testrepo, stereoscope valid_oci_dir), hardlink ``link`` as stored ("bin/[" rather than
  "/bin/["), and the "windows" category (the reader raises UnsupportedFormat for it).

How to read a Case (conventions the test should follow):

* ``error`` non-empty: reading must fail with one of these categories; the other fields are
  then left at their defaults (what the archive would contain is told in ``note``).
* ``images``/``artifacts`` None, and ``layers``/``refs``/``platforms`` empty: not checked.
  Otherwise ``layers``, ``refs`` and ``platforms`` hold exactly one entry per image.
* ``refs``: per image, every distinct name the archive gives it (RepoTags; for OCI the
  ``org.opencontainers.image.ref.name`` and ``io.containerd.image.name`` annotations of the
  image's own descriptor and of every index descriptor above it, merged over duplicate
  occurrences of the same manifest/index). Compare each image's refs as a SET; the order written
  is first-seen order. An image without names is ``()`` (so ``refs=((),)`` means "one image,
  no name").
* ``platforms``: "os/architecture[/variant]" from the image config (it agrees with the index
  descriptor's platform everywhere one is given).
* ``PathStep.mode`` is permission bits incl. setuid/setgid/sticky, only where given;
  ``None`` means "not checked" (always None for deletions and symlinks).
* ``PathFact(steps=(), final=False)`` means the path must NOT appear in any layer of the image.
* ``link`` is the target exactly as stored in the tar header (hardlink targets are
  archive-relative, e.g. "bin/[" - no leading slash).
* ``slow``: True when the input or its decompressed content exceeds 5 MB (nothing here takes
  2 s to read).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PathStep:
    layer: int  # 0-based layer index in the image
    change: str  # "added" | "modified" | "deleted"
    mode: int | None = None  # permission bits incl. setuid/setgid/sticky, when it matters


@dataclass(frozen=True)
class PathFact:
    path: str  # "/app/once-suid.txt"
    steps: tuple[PathStep, ...]  # the full history of that path, in layer order
    final: bool  # present in the final filesystem
    image: int = 0
    kind: str | None = None  # final kind when it matters: "file" | "dir" | "symlink" | "hardlink"
    link: str | None = None  # symlink/hardlink target as stored, when it matters


@dataclass(frozen=True)
class Case:
    path: str  # relative to ../shared/realworld/images
    error: tuple[str, ...] = ()  # acceptable error categories; empty = must read fine
    images: int | None = None
    layers: tuple[int, ...] = ()  # layer count per image
    refs: tuple[tuple[str, ...], ...] = ()  # tags/references per image where the archive names them
    platforms: tuple[str, ...] = ()  # "linux/amd64", "linux/arm64/v8" per image, when known
    artifacts: int | None = None  # non-image manifests (signatures, SBOMs, attestations)
    facts: tuple[PathFact, ...] = ()
    slow: bool = False  # True if reading it takes > 2 s or it is > 5 MB
    note: str = ""  # what it exercises, what PROVENANCE says, any surprise


# ---------------------------------------------------------------------------------------------
# Helpers (shorthand only; they build the dataclasses above)
# ---------------------------------------------------------------------------------------------


def _add(layer: int, mode: int | None = None) -> PathStep:
    return PathStep(layer, "added", mode)


def _mod(layer: int, mode: int | None = None) -> PathStep:
    return PathStep(layer, "modified", mode)


def _del(layer: int) -> PathStep:
    return PathStep(layer, "deleted")


def _fact(
    path: str,
    *steps: PathStep,
    final: bool = True,
    image: int = 0,
    kind: str | None = None,
    link: str | None = None,
) -> PathFact:
    return PathFact(path, tuple(steps), final, image, kind, link)


def _absent(path: str, image: int = 0) -> PathFact:
    """The path must not appear anywhere in the image."""
    return PathFact(path, (), False, image)


UNSUPPORTED = ("unsupported",)
# A zero-byte input: "not an archive" or "truncated before the first block" are both fair.
EMPTY_FILE = ("unsupported", "corrupt")
# A bare layer/rootfs tar whose member names escape the root (absolute or ../):
# "not an image" and "unsafe member path" can each be found first.
ESCAPING_LAYER = ("unsupported", "unsafe")
# A layout that holds no runnable image at all (only artifacts, or only descriptors of unknown
# media type): "nothing to analyse" is a manifest-level error for us, "not an image" elsewhere.
NO_IMAGE = ("manifest", "unsupported")
LOOSE = "a loose non-archive file (not an image archive): must be rejected"

# The busybox base layer (layer 0) of dockle/symbolic.tar and dive/test-docker-image.tar: the
# regular file is /bin/[, and busybox and sh are hardlinks to it.
_BUSYBOX_BASE = (
    _fact("/bin/[", _add(0, 0o755), kind="file"),
    _fact("/bin/busybox", _add(0, 0o755), kind="hardlink", link="bin/["),
    _fact("/bin/sh", _add(0, 0o755), kind="hardlink", link="bin/["),
)


def _busybox_official(variant: str, ref: str, platform: str) -> Case:
    return Case(
        f"busybox-official/{variant}/{variant}.oci-layout.tar",
        images=1,
        layers=(1,),
        refs=((ref,),),
        platforms=(platform,),
        artifacts=0,
        facts=(
            _fact("/bin/[", _add(0, 0o755), kind="file"),
            _fact("/bin/busybox", _add(0, 0o755), kind="hardlink", link="bin/["),
            _fact("/bin/sh", _add(0, 0o755), kind="hardlink", link="bin/["),
            _fact("/bin/dpkg", _add(0, 0o755), kind="hardlink", link="bin/["),
            _fact("/bin/rpm", _add(0, 0o755), kind="hardlink", link="bin/["),
            _fact("/etc/shadow", _add(0, 0o600), kind="file"),
            _fact("/tmp", _add(0, 0o1777), kind="dir"),
        ),
        note=(
            "Official docker-library busybox 1.38.0 OCI layout packed as a tar (oci-layout, "
            "index.json, 3 blobs); one gzip layer. Every applet is a tar HARDLINK to the regular "
            "file bin/[ - including bin/busybox itself (PROVENANCE says 'hardlinks to the busybox "
            "binary': in the bytes the link target is bin/[), so /bin/dpkg and /bin/rpm look "
            "like package managers but are busybox. No setuid/setgid file. Descriptor carries "
            "ref.name and io.containerd.image.name with the same value (one distinct ref). "
            "PROVENANCE also lists <variant>/oci/ directories: they are NOT present on disk."
        ),
    )


# ---------------------------------------------------------------------------------------------
# The cases, grouped by source folder
# ---------------------------------------------------------------------------------------------

_ALPINE_MINIROOTFS = (
    Case(
        "alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz",
        error=UNSUPPORTED,
        slow=True,
        note=(
            "Bare root filesystem tarball (518 './'-prefixed entries, 8 MB decompressed), the "
            "single layer of the official alpine image - no manifest.json, index.json or "
            "oci-layout anywhere: not an image archive. PROVENANCE also lists the 3.6.5 tarball, "
            "Dockerfile.v3.20/.v3.6 and commits.txt: none of them is present."
        ),
    ),
)

_BUSYBOX = (
    _busybox_official("latest-glibc-amd64", "busybox:1.38.0-glibc", "linux/amd64"),
    _busybox_official("latest-glibc-arm64v8", "busybox:1.38.0-glibc", "linux/arm64/v8"),
    _busybox_official("latest-musl-amd64", "busybox:1.38.0-musl", "linux/amd64"),
    _busybox_official("latest-uclibc-amd64", "busybox:1.38.0-uclibc", "linux/amd64"),
    Case("busybox-official/commits.txt", error=UNSUPPORTED, note=LOOSE),
)

_CLAIRCORE = (
    Case(
        "claircore/pkg/tarfs/testdata/bad_name.tar",
        error=("unsupported", "corrupt"),
        note=(
            "One-member layer tar whose PAX path holds a non-UTF-8 byte (0xfd) after 100 '_' "
            "characters; not an image. A reader may trip on the undecodable name first."
        ),
    ),
    Case(
        "claircore/pkg/tarfs/testdata/concat.tar",
        error=UNSUPPORTED,
        note=(
            "Two layer tar streams glued together WITHOUT an end marker between them (one end "
            "marker at the very end), so a plain reader sees all 11 entries: ./ and ./var twice, "
            "and ./var/run first a symlink to ../run then a directory. Not an image."
        ),
    ),
    Case(
        "claircore/pkg/tarfs/testdata/known/oddlayer.tar",
        error=("unsupported", "corrupt"),
        note=(
            "512 bytes: a single './' directory header and no end-of-archive blocks (as "
            "PROVENANCE says). Not an image; 'truncated' is a fair first finding too."
        ),
    ),
    Case(
        "claircore/python/testdata/layer-with-bad-version.tar",
        error=UNSUPPORTED,
        note="Layer tar (7 entries under home/crozzy/.local/.../overlay/<id>/diff/); not an image.",
    ),
    Case(
        "claircore/rhel/testdata/rhcos-layer-with-conflicting-files.tar",
        error=UNSUPPORTED,
        note=(
            "Layer tar with LIBARCHIVE.xattr.security.selinux PAX records on every entry "
            "(GNU tar warns and ignores them); not an image."
        ),
    ),
    Case(
        "claircore/whiteout/testdata/whiteout.layer",
        error=UNSUPPORTED,
        note=(
            "Bare layer: etc/ and etc/.wh.profile (mode 0000). Being a single layer it cannot be "
            "read as an image, so no path facts can be asserted here; the whiteout semantics are "
            "covered by the ggcr, dive and dockle images instead."
        ),
    ),
    Case(
        "claircore/whiteout/testdata/whiteout_advanced.layer",
        error=UNSUPPORTED,
        note=(
            "Bare layer: a/.wh.a_file.txt, .wh.a_root_file.txt, .wh.b (all mode 0000). Not an "
            "image, so no path facts."
        ),
    ),
    Case(
        "claircore/whiteout/testdata/whiteout_opaque.layer",
        error=UNSUPPORTED,
        note=(
            "Bare layer: a/.wh..wh..opq (real opaque marker) and b/not.a.wh..wh..opq (decoy, a "
            "plain file). Not an image, so no path facts."
        ),
    ),
)

_SHE_IMAGE_FACTS = (
    _fact("/hello", _add(0, 0o664), kind="file"),
    _fact("/additions", _add(1, 0o755), _mod(2, 0o755), _mod(3, 0o755), kind="dir"),
    # The opaque marker additions/.wh..wh..opq sits in layer 1, where /additions first appears:
    # nothing below it to hide, and the layer's own entries survive.
    _fact("/additions/foo", _add(1, 0o664), _mod(2, 0o664), kind="file"),
    _fact("/additions/bar", _add(1, 0o664), _mod(2, 0o664), kind="file"),
    _fact("/additions/baz", _add(1, 0o775), _mod(2, 0o775), kind="dir"),
    _fact("/additions/baz/this", _add(1, 0o664), _mod(2, 0o664), kind="file"),
    _fact("/additions/hello", _add(3, 0o664), kind="file"),
    _absent("/additions/.wh..wh..opq"),
)
_SHE_IMAGE_NOTE = (
    "Legacy docker save, 1 image 'she/image_from_scratch:1.0', 4 uncompressed layers; layer 1 "
    "holds additions/.wh..wh..opq plus bar, baz/this, foo; layer 2 re-adds the same files; layer "
    "3 adds additions/hello. The opaque marker has no effect (nothing under /additions below "
    "layer 1) and the 'rm /additions/foo' and 'rm -rf /additions/baz' in the history are CMD "
    "lines (empty_layer), not RUN: nothing is ever deleted."
)
_HELLO_WORLD_NOTE = (
    "Real hello-world legacy docker save (manifest.json + repositories + <id>/{VERSION,json,"
    "layer.tar}); 1 layer with the single file /hello. Byte-identical copies exist in "
    "data/cli, data/repos and data/rootfs."
)
_IMAGESV11_NOTE = (
    "Legacy save with 3 images: me/test_image_tar:1.0 (1 layer, 110-entry uClibc-style rootfs "
    "with 2-byte placeholder files), she/image_from_scratch:1.0 (1 layer: /hello) and "
    "you/secondimage:1.2 (2 layers = the two previous layers). BOTH of image 2's layer.tar "
    "members are symlinks into the other images' directories (PROVENANCE says 'a layer.tar "
    "symlink': there are two). All diff_ids match."
)
_IMAGESV11_REFS = (
    ("me/test_image_tar:1.0",),
    ("she/image_from_scratch:1.0",),
    ("you/secondimage:1.2",),
)
_IMAGESV11_FACTS = (
    _fact("/bin/busybox", _add(0, 0o664), kind="file"),
    _fact("/hello", _add(0, 0o664), image=1, kind="file"),
    _fact("/bin/busybox", _add(0, 0o664), image=2, kind="file"),
    _fact("/hello", _add(1, 0o664), image=2, kind="file"),
)

_CONTAINER_INSPECTOR = (
    Case(
        "container-inspector/data/cli/hello-world.tar",
        images=1,
        layers=(1,),
        refs=(("hello-world:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/hello", _add(0, 0o775), kind="file"),),
        note=_HELLO_WORLD_NOTE,
    ),
    Case(
        "container-inspector/data/cli/she-image_from_scratch-1.0.tar",
        images=1,
        layers=(4,),
        refs=(("she/image_from_scratch:1.0",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_SHE_IMAGE_FACTS,
        note=_SHE_IMAGE_NOTE + " Byte-identical to data/image/ and data/rootfs/ copies.",
    ),
    Case(
        "container-inspector/data/distro/windows-container-rootfs.tar",
        error=("unsupported", "windows"),
        note=(
            "A bare Windows layer (Files/ tree, 24 entries, no Hives/ here), not an image archive "
            "at all; a reader recognising the Windows layout may say 'windows' instead."
        ),
    ),
    Case(
        "container-inspector/data/image/mini-image_from_scratch-2.0.tar",
        images=1,
        layers=(4,),
        refs=(("she/image_from_scratch:1.0",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_SHE_IMAGE_FACTS,
        note=(
            "Same image as she-image_from_scratch-1.0.tar (same config and layers) minus the "
            "repositories file, re-tarred without type bits in member modes. Despite the file "
            "name, manifest.json still tags it 'she/image_from_scratch:1.0'. " + _SHE_IMAGE_NOTE
        ),
    ),
    Case(
        "container-inspector/data/image/she-image_from_scratch-1.0.tar",
        images=1,
        layers=(4,),
        refs=(("she/image_from_scratch:1.0",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_SHE_IMAGE_FACTS,
        note=_SHE_IMAGE_NOTE,
    ),
    Case(
        "container-inspector/data/image/windows-mini-image.tar.gz",
        error=("windows", "manifest", "digest"),
        note=(
            "gzip-wrapped legacy save of a Windows image: config os=windows (20H2 amd64), RepoTags "
            "[], layer stored as <id>.tar at the root with <id>/layer.tar a symlink to it, "
            "Files/ + UtilityVM/ layout. A careful tool reports 'windows'. Surprises PROVENANCE "
            "does not mention: the config spells the key 'rootfS' (Go's case-insensitive JSON "
            "hides it; a strict reader finds no rootfs -> 'manifest'), the one diff_id it lists "
            "(sha256:e4e02f...) is not the layer's sha256 (9265eb...) -> 'digest', and three "
            "hardlinks point to files absent from the layer."
        ),
    ),
    Case(
        "container-inspector/data/image_templates/layer.tar",
        error=UNSUPPORTED,
        note=(
            "Despite the .tar name it is a GZIP-compressed bare layer (110 entries: bin/busybox, "
            "etc/..., 2-byte placeholders); not an image."
        ),
    ),
    Case(
        "container-inspector/data/repos/hello-world.tar",
        images=1,
        layers=(1,),
        refs=(("hello-world:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/hello", _add(0, 0o775), kind="file"),),
        note=_HELLO_WORLD_NOTE,
    ),
    Case(
        "container-inspector/data/repos/images.tar.gz",
        error=("corrupt", "digest"),
        note=(
            "gzip-wrapped legacy save listing 2 images (microscaling/microscaling:latest, 4 "
            "layers; bkimminich/juice-shop-ctf:latest, 6 layers) whose 10 layer.tar members are "
            "30-byte text dates ('Mon Oct 12 13:18:43 CEST 2020\\n'), as PROVENANCE says: not "
            "tars, and their sha256 does not match the configs' diff_ids."
        ),
    ),
    Case(
        "container-inspector/data/repos/imagesv11.tar",
        images=3,
        layers=(1, 1, 2),
        refs=_IMAGESV11_REFS,
        platforms=("linux/amd64", "linux/amd64", "linux/amd64"),
        artifacts=0,
        facts=_IMAGESV11_FACTS,
        note=_IMAGESV11_NOTE,
    ),
    Case(
        "container-inspector/data/repos/imagesv11_with_tar_at_root.tar",
        error=("digest",),
        note=(
            "PROVENANCE says 'same images but layers stored as <id>.tar at archive root'. In the "
            "bytes all four root-level <id>.tar files are the same 2048-byte tar holding only "
            "'hello' (sha256:2d3d3075...). manifest.json points image 0 and image 2's first "
            "layer at de331f94....tar / f2323825....tar, whose diff_id must be sha256:c2c0564e... "
            "(the 110-entry rootfs, still present as <id>/layer.tar but not referenced): "
            "diff_id mismatch. The <id>.tar names are legacy layer IDs, not content digests."
        ),
    ),
    Case(
        "container-inspector/data/rootfs/find_root.tar.gz",
        error=UNSUPPORTED,
        note=(
            "gzip tar of a rootfs buried under find_root/level1/level2/level3/ (46 entries, "
            "unordered); not an image."
        ),
    ),
    Case(
        "container-inspector/data/rootfs/hello-world.tar",
        images=1,
        layers=(1,),
        refs=(("hello-world:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/hello", _add(0, 0o775), kind="file"),),
        note=_HELLO_WORLD_NOTE,
    ),
    Case(
        "container-inspector/data/rootfs/imagesv11.tar",
        images=3,
        layers=(1, 1, 2),
        refs=_IMAGESV11_REFS,
        platforms=("linux/amd64", "linux/amd64", "linux/amd64"),
        artifacts=0,
        facts=_IMAGESV11_FACTS,
        note="Byte-identical to data/repos/imagesv11.tar. " + _IMAGESV11_NOTE,
    ),
    Case(
        "container-inspector/data/rootfs/she-image_from_scratch-1.0.tar",
        images=1,
        layers=(4,),
        refs=(("she/image_from_scratch:1.0",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_SHE_IMAGE_FACTS,
        note=_SHE_IMAGE_NOTE,
    ),
    Case(
        "container-inspector/data/utils/absolute_path.tar",
        error=ESCAPING_LAYER,
        note="Bare layer whose members are absolute (/tmp/subdir/a.txt, b.txt); not an image.",
    ),
    Case(
        "container-inspector/data/utils/colon.tar.xz",
        error=UNSUPPORTED,
        note="xz-compressed bare layer: colon/libc6:amd64.list (a ':' in a name); not an image.",
    ),
    Case(
        "container-inspector/data/utils/layer_with_links.tar",
        error=UNSUPPORTED,
        note="Bare layer with relative symlink chains (usr/lib/icu/current -> 60.2 ...).",
    ),
    Case(
        "container-inspector/data/utils/layer_with_links_missing_targets.tar",
        error=UNSUPPORTED,
        note="Bare layer with dangling symlinks (Makefile.inc, libffi.so.6); not an image.",
    ),
    Case(
        "container-inspector/data/utils/tar_relative-with-whiteouts.tar",
        error=ESCAPING_LAYER,
        note=(
            "Bare layer: ../.wh..wh..opq, ../../another_folder/.wh..wh..opq, "
            "../folder/subfolder/.wh..wh..opq, .wh.foo.txt, .wh..wh..opq, .wh..wh..plnk."
        ),
    ),
    Case(
        "container-inspector/data/utils/tar_relative.tar",
        error=ESCAPING_LAYER,
        note="Bare layer with ../ and ../../ member names (path traversal); not an image.",
    ),
    Case("container-inspector/data/distro/os-release-chef.ABOUT", error=UNSUPPORTED, note=LOOSE),
    Case("container-inspector/data/distro/os-release-nate.ABOUT", error=UNSUPPORTED, note=LOOSE),
    Case("container-inspector/data/distro/os-release-zoo.ABOUT", error=UNSUPPORTED, note=LOOSE),
    Case("container-inspector/data/image_templates/additions/bar", error=UNSUPPORTED, note=LOOSE),
    Case(
        "container-inspector/data/image_templates/additions/baz/this",
        error=UNSUPPORTED,
        note=LOOSE,
    ),
    Case("container-inspector/data/image_templates/additions/foo", error=UNSUPPORTED, note=LOOSE),
    Case("container-inspector/data/image_templates/hello", error=UNSUPPORTED, note=LOOSE),
)

# dive: docker build of Dockerfile.test-image over busybox; kaniko build of the same Dockerfile.
_DIVE_ROOT_FACTS = (
    _fact(
        "/root/example", _add(2), _mod(3), _mod(4), _mod(5), _mod(6), _mod(7), _del(9), final=False
    ),
    _fact("/root/example/really/nested", _add(2), _del(9), final=False),
    _fact("/root/example/somefile1.txt", _add(3, 0o644), _mod(4, 0o444), _del(9), final=False),
    _fact("/root/example/somefile2.txt", _add(5, 0o644), _del(9), final=False),
    _fact("/root/example/somefile3.txt", _add(6, 0o644), _del(7), final=False),
    _fact("/root/saved.txt", _add(7, 0o644), _mod(13, 0o755), kind="file"),
    _fact("/root/.saved.txt", _add(8, 0o644), kind="file"),
    _fact("/root/.data/tag.sh", _add(10), kind="file"),
    _fact("/tmp/saved.again1.txt", _add(11, 0o644), kind="file"),
    _fact("/root/.data/saved.again2.txt", _add(12, 0o644), kind="file"),
)
_DIVE_OCI_NOTE = (
    "OCI image-layout tarball (dive .data), index.json with one linux/arm64 manifest and only an "
    "org.opencontainers.image.created annotation (no ref name); 1 layer holding README.md "
    "(11189 bytes, 0644)."
)

_DIVE = (
    Case(
        "dive/README-only-layer.tar",
        error=UNSUPPORTED,
        note=(
            "Bare layer tar (README.md only), saved from upstream test-uncompressed-image.tar; "
            "not an image."
        ),
    ),
    Case(
        "dive/test-docker-image.tar",
        images=1,
        layers=(14,),
        refs=(("dive-test:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            *_BUSYBOX_BASE,
            _fact("/somefile.txt", _add(1, 0o664), kind="file"),
            *_DIVE_ROOT_FACTS,
            _fact("/root/.data/test.sh", _add(10, 0o755), kind="file"),
        ),
        note=(
            "Legacy docker save, 14 uncompressed layers over busybox (415 entries). Whiteouts: "
            "layer 7 root/example/.wh.somefile3.txt (mv), layer 9 root/.wh.example (rm -rf): "
            "the directory whiteout deletes everything under /root/example too. Layer 4 is a "
            "chmod 444, layer 13 a chmod +x."
        ),
    ),
    Case(
        "dive/test-kaniko-image.tar",
        images=1,
        layers=(14,),
        refs=(("dive-test:kaniko-latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/somefile.txt", _add(1, 0o644), kind="file"),
            *_DIVE_ROOT_FACTS,
            _fact("/root/.data/test-coverage.sh", _add(10, 0o755), kind="file"),
            _absent("/root/.data/test.sh"),
        ),
        note=(
            "kaniko docker-archive: config member named 'sha256:<hex>', 14 layers as "
            "<sha256 of the gzip blob>.tar.gz at the root, no repositories/VERSION/json. Same "
            "history as test-docker-image.tar, but layer 10 holds tag.sh + test-coverage.sh "
            "(not test.sh) and file modes differ (somefile.txt 0644). Every layer from 1 on "
            "starts with a directory entry named '/' (the root itself): it must be read as the "
            "root, not rejected as an absolute path."
        ),
    ),
    Case(
        "dive/test-oci-estargz-image.tar",
        images=1,
        layers=(1,),
        refs=((),),
        platforms=("linux/arm64",),
        artifacts=0,
        facts=(
            _fact("/README.md", _add(0, 0o644), kind="file"),
            _absent("/stargz.index.json"),
        ),
        note=(
            _DIVE_OCI_NOTE + " Layer mediaType tar+gzip with estargz annotations (toc.digest, "
            "uncompressed-size 14848). The decompressed stream is README.md, an end-of-archive "
            "marker, THEN the stargz.index.json TOC entry: tar readers (GNU tar without -i, Go, "
            "Python tarfile) stop at the marker, so the TOC is not part of the filesystem; the "
            "diff_id covers the whole stream (TOC included) and matches."
        ),
    ),
    Case(
        "dive/test-oci-gzip-image.tar",
        images=1,
        layers=(1,),
        refs=((),),
        platforms=("linux/arm64",),
        artifacts=0,
        facts=(_fact("/README.md", _add(0, 0o644), kind="file"),),
        note=_DIVE_OCI_NOTE + " Layer mediaType tar+gzip.",
    ),
    Case(
        "dive/test-oci-uncompressed-image.tar",
        images=1,
        layers=(1,),
        refs=((),),
        platforms=("linux/arm64",),
        artifacts=0,
        facts=(_fact("/README.md", _add(0, 0o644), kind="file"),),
        note=_DIVE_OCI_NOTE + " Layer mediaType ...layer.v1.tar (uncompressed).",
    ),
    Case(
        "dive/test-oci-zstd-image.tar",
        images=1,
        layers=(1,),
        refs=((),),
        platforms=("linux/arm64",),
        artifacts=0,
        facts=(_fact("/README.md", _add(0, 0o644), kind="file"),),
        note=_DIVE_OCI_NOTE + " Layer mediaType tar+zstd (zstd frame magic 28 b5 2f fd).",
    ),
)

_DOCKLE = (
    Case(
        "dockle/symbolic.tar",
        images=1,
        layers=(9,),
        refs=(("goodwithtech/dockle-test:v3",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            *_BUSYBOX_BASE,
            # app/.wh..wh..opq is in layer 1, where /app first appears: nothing is hidden.
            _fact(
                "/app",
                _add(1, 0o755),
                *(_mod(i, 0o755) for i in range(2, 9)),
                kind="dir",
            ),
            _fact("/app/credentials.json", _add(1, 0o644), kind="file"),
            _absent("/app/.wh..wh..opq"),
            _fact("/app/suid.txt", _add(2, 0o644), _mod(3, 0o4644), kind="file"),
            _fact("/app/gid.txt", _add(4, 0o644), _mod(5, 0o2644), kind="file"),
            _fact(
                "/app/once-suid.txt",
                _add(6, 0o644),
                _mod(7, 0o4644),
                _mod(8, 0o644),
                kind="file",
            ),
        ),
        note=(
            "Legacy save, 9 uncompressed layers: busybox base (hardlink applets to bin/[), then "
            "/app with an opaque marker + credentials.json (layer 1; no lower /app, so the "
            "opaque marker removes nothing), suid.txt 0644 -> chmod u+s 04644 (layers 2-3), "
            "gid.txt 0644 -> chmod g+s 02644 (4-5), once-suid.txt COPY 0644 (6) -> chmod u+s "
            "04644 (7) -> chmod u-s 0644 (8): setuid existed only in layer 7. Layer 8's "
            "layer.tar is a symlink to layer 6's layer.tar (identical bytes, diff_id matches). "
            "Config has no User. PROVENANCE is accurate."
        ),
    ),
    Case(
        "dockle/scratch.tar",
        images=1,
        layers=(1,),
        refs=(("scratchtest2:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/credentials.json", _add(0, 0o644), kind="file"),),
        note="Legacy save FROM scratch: one layer with credentials.json (461 bytes); USER scratch.",
    ),
    Case(
        "dockle/manifest.json",
        error=UNSUPPORTED,
        note=(
            "A loose registry v2 image manifest (schema 2, 3 gzip layers, no blobs): not an "
            "archive. Byte-identical to trivy-images/fanal-image-testdata/manifest.json."
        ),
    ),
)

_GGCR_LAYOUT_INDEX_NOTE = (
    "index.json lists manifest eebff6 directly (ref '1'), an OCI index 05f95b (ref '3') and a "
    "Docker manifest list 2b29a2 (ref '4') that both contain only eebff6 again: one image, "
    "counted once. Its refs merged over the three occurrences are {'1', '3', '4'} (a reader "
    "keeping only the first occurrence would say ('1',) - see the module docstring). The "
    "descriptors say application/vnd.oci.image.manifest.v1+json while the blob's own "
    "mediaType is the Docker v2 manifest type: both are image manifests, and containerd's "
    "manifest/index confusion check accepts this, so it must be read, not rejected."
)

_GGCR = (
    Case("ggcr/crane/testdata/content.tar", error=UNSUPPORTED, note="Plain tar of ./bat, ./baz."),
    Case(
        "ggcr/crane/testdata/content.tar.zst",
        error=UNSUPPORTED,
        note="zstd-compressed copy of content.tar (./bat, ./baz); not an image.",
    ),
    Case(
        "ggcr/v1/layout/testdata/test_gc_image_unknown_mediatype",
        error=("missing-blob", "manifest", "unsupported"),
        note=(
            "OCI layout dir with oci-layout + index.json only (no blobs/): the one descriptor "
            "has mediaType application/vnd.oci.descriptor.v1+json and its blob 325899... is "
            "absent (on purpose, PROVENANCE). Per the image-index spec an unknown mediaType is "
            "skipped, leaving no image ('manifest'/'unsupported'); a reader that fetches every "
            "descriptor finds the missing blob first. A careful tool should name the missing "
            "blob."
        ),
    ),
    Case(
        "ggcr/v1/layout/testdata/test_gc_index",
        images=1,
        layers=(1,),
        refs=(("1", "3", "4"),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/foo", _add(0, 0o555), kind="file"),
            _fact("/bar", _add(0, 0o555), kind="file"),
        ),
        note=(
            _GGCR_LAYOUT_INDEX_NOTE + " Blob 492b89... is present but unreferenced (garbage for "
            "the GC test)."
        ),
    ),
    Case(
        "ggcr/v1/layout/testdata/test_index",
        images=1,
        layers=(1,),
        refs=(("1", "3", "4"),),
        platforms=("linux/amd64",),
        facts=(
            _fact("/foo", _add(0, 0o555), kind="file"),
            _fact("/bar", _add(0, 0o555), kind="file"),
            _absent("/bat"),
            _absent("/baz"),
        ),
        note=(
            _GGCR_LAYOUT_INDEX_NOTE + " In addition index.json lists (ref '2') a descriptor "
            "with the UNKNOWN mediaType application/vnd.oci.descriptor.v1+json whose blob "
            "325899... exists and is in fact a Docker v2 manifest of a second image (/bat, /baz). "
            "Per spec the unknown mediaType is not traversed, so 1 image; whether it is counted "
            "as an artifact is a reader choice (artifacts left unchecked). A reader that sniffs "
            "the blob would find 2 images - that is NOT what we expect."
        ),
    ),
    Case(
        "ggcr/v1/layout/testdata/test_index_media_type",
        error=NO_IMAGE,
        note=(
            "OCI layout whose only manifest has config mediaType "
            "application/vnd.cncf.helm.config.v1+json and a layer of mediaType "
            "application/tar+gzip: a Helm-chart artifact (1 artifact, 0 images), not a "
            "container image. PROVENANCE only mentions the odd layer mediaType."
        ),
    ),
    Case(
        "ggcr/v1/layout/testdata/test_index_one_image",
        images=1,
        layers=(1,),
        refs=((),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/test", _add(0, 0o644), kind="file"),),
        note="Minimal OCI layout dir: one manifest, no ref name, one gzip layer with /test.",
    ),
    Case(
        "ggcr/v1/mutate/testdata/overwritten_file.tar",
        images=1,
        layers=(3,),
        refs=(("bazel/pkg/v1/mutate:overwritten_file",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/foo.txt", _add(0, 0o555), _mod(1), kind="symlink", link="bar.txt"),
            _fact("/bar.txt", _add(1, 0o555), kind="file"),
        ),
        note=(
            "Legacy save, 3 layers: foo.txt (file), then bar.txt + foo.txt REPLACED by a symlink "
            "to bar.txt, then an empty layer (10240 zero bytes: a valid empty tar whose sha256 "
            "is its diff_id)."
        ),
    ),
    Case(
        "ggcr/v1/mutate/testdata/source_image.tar",
        images=1,
        layers=(1,),
        refs=(("bazel/pkg/v1/mutate:source_image",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/foo", _add(0, 0o555), kind="file"),
            _fact("/bar", _add(0, 0o555), kind="file"),
        ),
        note="Legacy save, 1 layer (./foo, ./bar).",
    ),
    Case(
        "ggcr/v1/mutate/testdata/source_image_with_empty_layer_history.tar",
        error=("digest",),
        note=(
            "Legacy save whose config member is still NAMED "
            "6e0b05049ed9c17d...json (the digest of source_image.tar's config) but whose content "
            "was hand-edited to add an empty_layer history entry: it hashes to "
            "sha256:05b5ec12.... The name is the config digest in docker save, so a verifying "
            "reader must report the mismatch (ggcr itself never checks; it would read 1 image, 1 "
            "layer with /foo and /bar). PROVENANCE does not mention this."
        ),
    ),
    Case(
        "ggcr/v1/mutate/testdata/whiteout_dir.tar",
        images=1,
        layers=(4,),
        refs=(("localhost:5000/whiteout:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/a", _add(0, 0o755), _del(2), _add(3, 0o755), kind="dir"),
            _fact("/a/foo", _add(0, 0o644), _del(2), final=False),
            _fact("/a/baz", _add(3, 0o644), kind="file"),
            _fact("/b/bar", _add(1, 0o644), kind="file"),
            _absent("/c"),
            _absent("/.wh.a"),
        ),
        note=(
            "docker-archive with config member 'sha256:<hex>' and 4 gzip layers named <sha256 "
            "of the gzip blob>.tar.gz: a/foo, b/bar, .wh.a (whites out the whole directory a), "
            "then a/baz (a re-created). The testdata/whiteout_dir/c directory is never put in "
            "the image."
        ),
    ),
    Case(
        "ggcr/v1/mutate/testdata/whiteout_image.tar",
        images=1,
        layers=(3,),
        refs=(("bazel/pkg/v1/mutate:whiteout_image",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/foo.txt", _add(0, 0o555), _del(1), final=False),
            _fact("/bar.txt", _add(0, 0o555), kind="file"),
            _absent("/.wh.foo.txt"),
        ),
        note=(
            "Legacy save, 3 layers: foo.txt + bar.txt, then ./.wh.foo.txt, then an empty "
            "(all-zero) layer."
        ),
    ),
    Case("ggcr/v1/tarball/testdata/content.tar", error=UNSUPPORTED, note="Plain tar ./bat ./baz."),
    Case(
        "ggcr/v1/tarball/testdata/hello-world-v25.tar",
        images=1,
        layers=(1,),
        refs=((),),
        platforms=("linux/arm64",),
        artifacts=0,
        facts=(_fact("/hello", _add(0, 0o755), kind="file"),),
        note=(
            'Real Docker 25 save by ID: oci-layout + index.json with "manifests": null '
            "(moby/moby#47210) + manifest.json whose Config/Layers point into blobs/sha256/ "
            "(RepoTags null, LayerSources). index.json names no image, so the image must come "
            "from manifest.json. The OCI manifest blob 411caf... and a legacy v1 'json' blob "
            "ac09ed... are present but unreferenced by index.json."
        ),
    ),
    Case(
        "ggcr/v1/tarball/testdata/no_manifest.tar",
        error=("manifest", "unsupported"),
        note=(
            "Old v1 save WITHOUT manifest.json: repositories ({bazel/v1/tarball: {test_image: "
            "c47412...}}), <id>/{VERSION,json,layer.tar} and a config .json. Neither docker "
            "save nor OCI layout as we define them."
        ),
    ),
    Case(
        "ggcr/v1/tarball/testdata/null_manifest.tar",
        error=("manifest",),
        note="A tar holding only manifest.json whose content is the JSON literal null.",
    ),
    Case(
        "ggcr/v1/tarball/testdata/test_bundle.tar",
        images=2,
        layers=(1, 1),
        refs=(("test_image_2",), ("test_image_1",)),
        platforms=("linux/amd64", "linux/amd64"),
        artifacts=0,
        facts=(
            _fact("/bat", _add(0, 0o555), kind="file"),
            _fact("/baz", _add(0, 0o555), kind="file"),
            _fact("/foo", _add(0, 0o555), image=1, kind="file"),
            _fact("/bar", _add(0, 0o555), image=1, kind="file"),
        ),
        note=(
            "Legacy save with two images (RepoTags without a ':tag'). Image 0 has LayerSources "
            "keyed by its diff_id sha256:3610aa... with a (non-foreign) gzip descriptor "
            "sha256:321460... that is NOT in the archive: the layer itself is present as "
            "8e17.../layer.tar and must be used; nothing may be fetched."
        ),
    ),
    Case(
        "ggcr/v1/tarball/testdata/test_image_1.tar",
        images=1,
        layers=(1,),
        refs=(("bazel/v1/tarball:test_image_1",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/foo", _add(0, 0o555), kind="file"),
            _fact("/bar", _add(0, 0o555), kind="file"),
        ),
        note="Tiny legacy save, 1 layer. Byte-identical to test_load_manifest.tar.",
    ),
    Case(
        "ggcr/v1/tarball/testdata/test_image_2.tar",
        images=1,
        layers=(1,),
        refs=(("bazel/v1/tarball:test_image_2",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/bat", _add(0, 0o555), kind="file"),
            _fact("/baz", _add(0, 0o555), kind="file"),
        ),
        note="Tiny legacy save, 1 layer.",
    ),
    Case(
        "ggcr/v1/tarball/testdata/test_link.tar",
        images=2,
        layers=(1, 2),
        refs=(("bazel/v1/tarball:test_image_1",), ("bazel/v1/tarball:test_image_3",)),
        platforms=("linux/amd64", "linux/amd64"),
        artifacts=0,
        facts=(
            _fact("/foo", _add(0, 0o555), kind="file"),
            _fact("/foo", _add(0, 0o555), image=1, kind="file"),
            _fact("/test", _add(1, 0o640), image=1, kind="file"),
        ),
        note=(
            "Legacy save, 2 images; image 1's first layer.tar is a symlink to image 0's layer "
            "directory (docker dedupe) and its entry carries a 'Parent' key."
        ),
    ),
    Case(
        "ggcr/v1/tarball/testdata/test_load_manifest.tar",
        images=1,
        layers=(1,),
        refs=(("bazel/v1/tarball:test_image_1",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/foo", _add(0, 0o555), kind="file"),),
        note="Byte-identical to test_image_1.tar.",
    ),
    Case("ggcr/v1/mutate/testdata/bar", error=UNSUPPORTED, note=LOOSE),
    Case("ggcr/v1/mutate/testdata/foo", error=UNSUPPORTED, note=LOOSE),
    Case("ggcr/v1/mutate/testdata/whiteout/bar.txt", error=UNSUPPORTED, note=LOOSE),
    Case("ggcr/v1/mutate/testdata/whiteout/foo.txt", error=UNSUPPORTED, note=LOOSE),
    Case("ggcr/v1/mutate/testdata/whiteout_dir/a/foo", error=EMPTY_FILE, note="Zero-byte file."),
    Case("ggcr/v1/mutate/testdata/whiteout_dir/b/bar", error=EMPTY_FILE, note="Zero-byte file."),
    Case("ggcr/v1/mutate/testdata/whiteout_dir/c/baz", error=EMPTY_FILE, note="Zero-byte file."),
    Case("ggcr/v1/tarball/testdata/bar", error=UNSUPPORTED, note=LOOSE),
    Case("ggcr/v1/tarball/testdata/bat/bat", error=UNSUPPORTED, note=LOOSE),
    Case("ggcr/v1/tarball/testdata/baz", error=UNSUPPORTED, note=LOOSE),
    Case("ggcr/v1/tarball/testdata/foo", error=UNSUPPORTED, note=LOOSE),
)

_SCALIBR_SYMLINKS_L0 = (
    _fact("/dir1/absolute-symlink.txt", _add(0), kind="symlink", link="/dir1/sample.txt"),
    _fact("/dir1/chain-symlink.txt", _add(0), kind="symlink", link="absolute-symlink.txt"),
    _fact("/dir1/relative-dot-symlink.txt", _add(0), kind="symlink", link="./sample.txt"),
    _fact("/dir1/relative-symlink.txt", _add(0), kind="symlink", link="sample.txt"),
)
_SCALIBR_SYMLINKS_L1 = (
    _fact(
        "/dir2/dir3/absolute-chain-symlink.txt",
        _add(1),
        kind="symlink",
        link="/dir1/chain-symlink.txt",
    ),
    _fact(
        "/dir2/dir3/absolute-subfolder-symlink.txt",
        _add(1),
        kind="symlink",
        link="/dir1/sample.txt",
    ),
    _fact(
        "/dir2/dir3/relative-subfolder-symlink.txt",
        _add(1),
        kind="symlink",
        link="../../dir1/sample.txt",
    ),
)
_SCALIBR_DANGLING_NOTE = (
    "Legacy save (classic builder), 2 layers of symlinks only: dir1/{absolute,chain,"
    "relative-dot,relative}-symlink.txt, dir2/dir3/{absolute-chain,absolute-subfolder,"
    "relative-subfolder}-symlink.txt; dir1/sample.txt is never created, so every link dangles. "
    "No hardlinks in any osv-scalibr fixture. layerscanning/.../symlink-dangling.tar and "
    "unpack/testdata/dangling-symlinks.tar are byte-identical."
)
_SCALIBR_DANGLING_FACTS = (
    *_SCALIBR_SYMLINKS_L0,
    *_SCALIBR_SYMLINKS_L1,
    _absent("/dir1/sample.txt"),
)
_SCALIBR_BASIC_FACTS = (
    _fact("/sample.txt", _add(0, 0o664), kind="file"),
    _fact("/larger-sample.txt", _add(1, 0o664), kind="file"),
)

_OSV_SCALIBR = (
    Case(
        "osv-scalibr/layerscanning/image/testdata/basic.tar",
        images=1,
        layers=(2,),
        refs=(("basic:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_SCALIBR_BASIC_FACTS,
        note="Legacy save, 2 layers: sample.txt, larger-sample.txt (6800 bytes).",
    ),
    Case(
        "osv-scalibr/layerscanning/image/testdata/empty.tar",
        error=UNSUPPORTED,
        note="10240 zero bytes: a valid but EMPTY tar (no members), not an image.",
    ),
    Case(
        "osv-scalibr/layerscanning/image/testdata/multiple-files.tar",
        images=1,
        layers=(2,),
        refs=(("multiple-files:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/foo.txt", _add(0, 0o664), kind="file"),
            _fact("/dir1", _add(1, 0o755), kind="dir"),
            _fact("/dir1/bar.txt", _add(1, 0o664), kind="file"),
            _fact("/dir1/baz.txt", _add(1, 0o664), kind="file"),
        ),
        note="Legacy save, 2 layers: foo.txt, then dir1/ with bar.txt and baz.txt.",
    ),
    Case(
        "osv-scalibr/layerscanning/image/testdata/overwrite-file.tar",
        images=1,
        layers=(2,),
        refs=(("overwrite-file:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/sample.txt", _add(0, 0o664), _mod(1, 0o664), kind="file"),),
        note="Legacy save: sample.txt (17 bytes) overwritten in layer 1 (29 bytes).",
    ),
    Case(
        "osv-scalibr/layerscanning/image/testdata/single-file.tar",
        images=1,
        layers=(1,),
        refs=(("single-file:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/foo.txt", _add(0, 0o664), kind="file"),),
        note="Legacy save, 1 layer: foo.txt.",
    ),
    Case(
        "osv-scalibr/layerscanning/image/testdata/symlink-attack.tar",
        images=1,
        layers=(1,),
        refs=(("symlink-attack:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact(
                "/dir1/attack-symlink-absolute.txt",
                _add(0),
                kind="symlink",
                link="/../secret.txt",
            ),
            _fact("/dir1/attack-symlink.txt", _add(0), kind="symlink", link="../../secret.txt"),
            _absent("/secret.txt"),
        ),
        note=(
            "Legacy save, 1 layer with two symlinks whose TARGETS climb above the root "
            "(/../secret.txt, ../../secret.txt). Member paths are clean (dir1/...), so this is "
            "not an 'unsafe' archive: the links must be recorded as stored and never followed "
            "out of the image root (resolved inside the image they point at /secret.txt, which "
            "does not exist)."
        ),
    ),
    Case(
        "osv-scalibr/layerscanning/image/testdata/symlink-basic.tar",
        images=1,
        layers=(1,),
        refs=(("symlink-basic:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            *_SCALIBR_SYMLINKS_L0,
            _fact("/dir1/sample.txt", _add(0, 0o644), kind="file"),
        ),
        note="Legacy save, 1 layer: sample.txt plus absolute, relative, ./ and chained links.",
    ),
    Case(
        "osv-scalibr/layerscanning/image/testdata/symlink-cycle.tar",
        images=1,
        layers=(1,),
        refs=(("symlink-cycle:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/dir1/sample.txt", _add(0), kind="symlink", link="/dir1/chain-symlink.txt"),
            _fact("/dir1/chain-symlink.txt", _add(0), kind="symlink", link="absolute-symlink.txt"),
            _fact("/dir1/absolute-symlink.txt", _add(0), kind="symlink", link="/dir1/sample.txt"),
        ),
        note=(
            "Legacy save, 1 layer: sample.txt -> chain -> absolute -> sample.txt, a symlink "
            "loop. Reading must succeed; only resolving the links may report the loop."
        ),
    ),
    Case(
        "osv-scalibr/layerscanning/image/testdata/symlink-dangling.tar",
        images=1,
        layers=(2,),
        refs=(("dangling-symlinks:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_SCALIBR_DANGLING_FACTS,
        note=_SCALIBR_DANGLING_NOTE,
    ),
    Case(
        "osv-scalibr/layerscanning/image/testdata/symlink-depth-exceeded.tar",
        images=1,
        layers=(1,),
        refs=(("symlink-depth-exceeded:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/dir1/sample.txt", _add(0, 0o644), kind="file"),
            _fact("/dir1/symlink1.txt", _add(0), kind="symlink", link="/dir1/sample.txt"),
            _fact("/dir1/symlink7.txt", _add(0), kind="symlink", link="/dir1/symlink6.txt"),
        ),
        note=(
            "Legacy save, 1 layer: a chain of 7 absolute symlinks symlink7 -> ... -> symlink1 "
            "-> sample.txt (deep for osv-scalibr's limit of 6, well inside the kernel's 40)."
        ),
    ),
    Case(
        "osv-scalibr/layerscanning/image/testdata/two-files.tar",
        images=1,
        layers=(2,),
        refs=(("two-files:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/foo.txt", _add(0, 0o664), kind="file"),
            _fact("/bar.txt", _add(1, 0o664), kind="file"),
        ),
        note="Legacy save, 2 layers: foo.txt, then bar.txt.",
    ),
    Case(
        "osv-scalibr/tar/testdata/basic.tar",
        images=1,
        layers=(2,),
        refs=(("basic:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_SCALIBR_BASIC_FACTS,
        note=(
            "Same content as layerscanning/.../basic.tar but a different build (other config "
            "and layer digests); byte-identical to unpack/testdata/basic.tar."
        ),
    ),
    Case(
        "osv-scalibr/unpack/testdata/basic.tar",
        images=1,
        layers=(2,),
        refs=(("basic:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_SCALIBR_BASIC_FACTS,
        note="Byte-identical to osv-scalibr/tar/testdata/basic.tar.",
    ),
    Case(
        "osv-scalibr/unpack/testdata/dangling-symlinks.tar",
        images=1,
        layers=(2,),
        refs=(("dangling-symlinks:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_SCALIBR_DANGLING_FACTS,
        note=_SCALIBR_DANGLING_NOTE,
    ),
    Case(
        "osv-scalibr/unpack/testdata/escape.tar",
        error=("unsupported", "unsafe", "corrupt"),
        note=(
            "NOT an image: a hostile bare layer with absolute members (/escape/poc.txt, "
            "/usr/share/doc/*/copyright, /trampoline/) and a symlink trampoline "
            "/escape -> trampoline/.../../../tmp meant to escape an extraction dir. It also ends "
            "without the two end-of-archive blocks (4608 bytes, last member ends at 4608)."
        ),
    ),
    Case(
        "osv-scalibr/unpack/testdata/permissions.tar",
        images=1,
        layers=(1,),
        refs=(("permissions:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/sample.txt", _add(0, 0o000), kind="file"),),
        note="Legacy save, 1 layer: sample.txt with mode 0000 (must still be listed).",
    ),
    Case(
        "osv-scalibr/unpack/testdata/symlinks.tar",
        images=1,
        layers=(2,),
        refs=(("symlinks:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            *_SCALIBR_SYMLINKS_L0,
            *_SCALIBR_SYMLINKS_L1,
            _fact("/dir1/sample.txt", _add(0, 0o644), kind="file"),
            _fact(
                "/dir1/attack-symlink-absolute.txt",
                _add(0),
                kind="symlink",
                link="/../secret.txt",
            ),
            _fact("/dir1/attack-symlink.txt", _add(0), kind="symlink", link="../../secret.txt"),
            _fact(
                "/dir2/dir3/absolute-symlink-inside-root.txt",
                _add(1),
                kind="symlink",
                link="/dir2/../dir1/sample.txt",
            ),
        ),
        note=(
            "Legacy save, 2 layers: symlinks within and across layers, including the two "
            "root-climbing targets of symlink-attack.tar (recorded, never followed out)."
        ),
    ),
    Case("osv-scalibr/testfixtures/basic/larger-sample.txt", error=UNSUPPORTED, note=LOOSE),
    Case("osv-scalibr/testfixtures/basic/sample.txt", error=UNSUPPORTED, note=LOOSE),
    Case("osv-scalibr/testfixtures/delete-file/sample.txt", error=UNSUPPORTED, note=LOOSE),
    Case("osv-scalibr/testfixtures/multiple-files/dir1/bar.txt", error=UNSUPPORTED, note=LOOSE),
    Case("osv-scalibr/testfixtures/multiple-files/dir1/baz.txt", error=UNSUPPORTED, note=LOOSE),
    Case("osv-scalibr/testfixtures/multiple-files/foo.txt", error=UNSUPPORTED, note=LOOSE),
    Case("osv-scalibr/testfixtures/overwrite-file/new-sample.txt", error=UNSUPPORTED, note=LOOSE),
    Case("osv-scalibr/testfixtures/overwrite-file/sample.txt", error=UNSUPPORTED, note=LOOSE),
    Case("osv-scalibr/testfixtures/permissions/sample.txt", error=UNSUPPORTED, note=LOOSE),
    Case("osv-scalibr/testfixtures/recreate-file/sample.txt", error=UNSUPPORTED, note=LOOSE),
    Case("osv-scalibr/testfixtures/single-file/foo.txt", error=UNSUPPORTED, note=LOOSE),
)

_PODMAN_EMPTY = (_fact("/empty", _add(0, 0o664), kind="file"),)
_PODMAN_OCI_NOTE = (
    "gzip-wrapped OCI layout tarball (podman load test), one linux/amd64 manifest, 1 gzip layer "
    "with the empty file /empty."
)
_PODMAN_DOCKER_NOTE = "xz-wrapped legacy docker save (podman load test), 1 layer: /empty."

_PODMAN = (
    Case(
        "podman/docker-name-only.tar.xz",
        images=1,
        layers=(1,),
        refs=(("pretty-empty:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_PODMAN_EMPTY,
        note=_PODMAN_DOCKER_NOTE,
    ),
    Case(
        "podman/docker-registry-name.tar.xz",
        images=1,
        layers=(1,),
        refs=(("example.com/empty:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_PODMAN_EMPTY,
        note=_PODMAN_DOCKER_NOTE,
    ),
    Case(
        "podman/docker-two-images.tar.xz",
        images=2,
        layers=(1, 1),
        refs=(("example.com/empty:latest",), ("example.com/empty/but:different",)),
        platforms=("linux/amd64", "linux/amd64"),
        artifacts=0,
        facts=(*_PODMAN_EMPTY, _fact("/empty", _add(0, 0o664), image=1, kind="file")),
        note=(
            _PODMAN_DOCKER_NOTE + " Two images; the second's layer.tar is a symlink to the "
            "first's and its entry has a 'Parent' key."
        ),
    ),
    Case(
        "podman/docker-two-names.tar.xz",
        images=1,
        layers=(1,),
        refs=(("pretty-empty:latest", "example.com/empty:latest"),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_PODMAN_EMPTY,
        note=_PODMAN_DOCKER_NOTE + " One image with two RepoTags.",
    ),
    Case(
        "podman/docker-unnamed.tar.xz",
        images=1,
        layers=(1,),
        refs=((),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_PODMAN_EMPTY,
        note=_PODMAN_DOCKER_NOTE + " RepoTags is null and there is no repositories file.",
    ),
    Case(
        "podman/oci-name-only.tar.gz",
        images=1,
        layers=(1,),
        refs=(("pretty-empty:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_PODMAN_EMPTY,
        note=_PODMAN_OCI_NOTE,
    ),
    Case(
        "podman/oci-non-docker-name.tar.gz",
        images=1,
        layers=(1,),
        refs=(("UPPERCASE-IS-INVALID",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_PODMAN_EMPTY,
        note=(
            _PODMAN_OCI_NOTE + " ref.name 'UPPERCASE-IS-INVALID' is not a valid docker "
            "reference: report it as given, do not fail."
        ),
    ),
    Case(
        "podman/oci-registry-name.tar.gz",
        images=1,
        layers=(1,),
        refs=(("example.com/empty:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_PODMAN_EMPTY,
        note=_PODMAN_OCI_NOTE + " (gzip header still says 'oci-domain-name.tar').",
    ),
    Case(
        "podman/oci-unnamed.tar.gz",
        images=1,
        layers=(1,),
        refs=((),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=_PODMAN_EMPTY,
        note=_PODMAN_OCI_NOTE + " No annotations at all.",
    ),
)

# regclient testrepo: images in index order, one per platform manifest.
_V3_META = (
    "sha256-7ceb9b6bcc274697d0c38be6214b50cec79d601bc61708747d3f6cb772f6c6fa.6fe828b32b9b4572.meta"
)
_ARM = ("linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6")

_REGCLIENT = (
    Case(
        "regclient/testdata/testrepo",
        images=21,
        layers=(1,) * 12 + (2, 2) + (3, 3, 3) + (5, 5, 5, 5),
        refs=(("b1",),) * 4
        + (("b2",),) * 4
        + (("b3",),) * 4
        + (("v1",),) * 2
        + (("v2",),) * 3
        + (("v3", _V3_META),) * 4,
        platforms=_ARM * 3 + _ARM[:2] + _ARM[:3] + _ARM,
        artifacts=13,
        facts=(
            _fact("/base.txt", _add(0, 0o644), kind="file"),
            _fact("/base.txt", _add(0, 0o644), image=8, kind="file"),
            _fact("/base.txt", _add(0, 0o644), image=12, kind="file"),
            _fact("/layer1", _add(1, 0o644), image=12, kind="file"),
            _fact("/layer2", _add(2, 0o644), image=16, kind="file"),
            _fact("/layer3", _add(3, 0o644), image=17, kind="file"),
            _fact("/dir/layer.tar", _add(4, 0o644), image=17, kind="file"),
            _absent("/layer1.txt", image=17),
            _fact("/dir/layer.tar", _add(4, 0o644), image=20, kind="file"),
        ),
        note=(
            "OCI layout dir, 26 index.json entries (24 with a ref.name, 2 unnamed SBOM "
            "referrers), 91 blobs all present and matching their names (PROVENANCE says 97). "
            "Images: b1, b2, b3 (4 platforms each), v1 (amd64, arm64), v2 (amd64, arm64, "
            "arm/v7), v3 (4 platforms) = 21, layers 1/1/1/2/3/5. The v3 index is listed a second "
            "time under the referrer-style tag '" + _V3_META + "', so with refs merged over "
            "duplicates the v3 images carry both names (first-occurrence-only would be "
            "('v3',)). 13 distinct non-image manifests: the two unknown/unknown 'builder' "
            "manifests inside v1 (image-config mediaType but config {} and layer type "
            "application/vnd.example.build-type+json; also tagged a-docker / a-docker-oci), "
            "SBOM/signature/arms/layers/example/child/mirror artifacts (artifactType set, "
            "empty config). The 'loop' entry is an INDEX with artifactType "
            "application/example.loop whose only child is the 'child' artifact (already "
            "counted); it is not a real cycle and is not counted as an artifact here. The v3 "
            "images carry /dir/layer.tar, a tar FILE inside a layer that must not be unpacked."
        ),
    ),
    Case(
        "regclient/testdata/external",
        error=NO_IMAGE,
        note=(
            "OCI layout dir holding only 2 SBOM artifacts (a3, a4, plus a referrers index) whose "
            "subject sha256:dfae8f... (the v2 index of testrepo) is deliberately NOT in this "
            "layout: no image to read. Subjects need not be present, so 'missing-blob' is not "
            "expected."
        ),
    ),
    Case(
        "regclient/testdata/layer.tar",
        error=UNSUPPORTED,
        note="Bare layer: layer1.txt, layer2.txt, layer3.txt.",
    ),
    Case(
        "regclient/testdata/layer-wh.tar",
        error=UNSUPPORTED,
        note=(
            "Bare layer with a whiteout .wh.layer2.txt and an opaque exdir/.wh..wh..opq; a single "
            "layer, so not an image and no path facts."
        ),
    ),
    Case("regclient/testdata/.wh.layer2.txt", error=EMPTY_FILE, note="Zero-byte file."),
    Case("regclient/testdata/exdir/.wh..wh..opq", error=EMPTY_FILE, note="Zero-byte file."),
    Case("regclient/testdata/base-a.txt", error=UNSUPPORTED, note=LOOSE),
    Case("regclient/testdata/base-b.txt", error=UNSUPPORTED, note=LOOSE),
    Case("regclient/testdata/layer1.txt", error=UNSUPPORTED, note=LOOSE),
    Case("regclient/testdata/layer2.txt", error=UNSUPPORTED, note=LOOSE),
    Case("regclient/testdata/layer3.txt", error=UNSUPPORTED, note=LOOSE),
    Case("regclient/testdata/build-testrepo.sh", error=UNSUPPORTED, note=LOOSE),
)

_STEREOSCOPE = (
    Case("stereoscope/docker/testdata/empty-file", error=EMPTY_FILE, note="Zero-byte file."),
    Case(
        "stereoscope/docker/testdata/engine-config.json",
        error=UNSUPPORTED,
        note="Loose docker image config JSON (anchore-engine); not an archive.",
    ),
    Case(
        "stereoscope/docker/testdata/no-descriptors.json",
        error=UNSUPPORTED,
        note="Loose JSON '[]' (an empty docker-save manifest list); not an archive.",
    ),
    Case(
        "stereoscope/docker/testdata/single-blank-manifest.json",
        error=UNSUPPORTED,
        note='Loose JSON [{"Config":"","RepoTags":[],"Layers":[]}]; not an archive.',
    ),
    Case(
        "stereoscope/docker/testdata/valid-multi-manifest-with-tags.json",
        error=UNSUPPORTED,
        note="Loose docker-save manifest.json (anchore-engine, no layers present); not an archive.",
    ),
    Case("stereoscope/oci/testdata/.gitignore", error=UNSUPPORTED, note=LOOSE),
    Case(
        "stereoscope/oci/testdata/invalid_file",
        error=NO_IMAGE,
        note="Directory with a zero-byte index.json and no oci-layout file.",
    ),
    Case(
        "stereoscope/oci/testdata/multiplatform_oci_dir",
        images=2,
        layers=(1, 1),
        refs=(
            ("docker.io/library/multi-platform:latest", "latest"),
            ("docker.io/library/multi-platform:latest", "latest"),
        ),
        platforms=("linux/amd64", "linux/arm64"),
        artifacts=0,
        facts=(
            _fact("/linux/amd64/README.md", _add(0, 0o755), kind="file"),
            _absent("/linux/arm64/README.md"),
            _fact("/linux/arm64/README.md", _add(0, 0o755), image=1, kind="file"),
            _absent("/linux/amd64/README.md", image=1),
        ),
        note=(
            "containerd/buildx export: top index.json -> nested image index (annotated "
            "io.containerd.image.name docker.io/library/multi-platform:latest and ref.name "
            "latest) -> linux/amd64 and linux/arm64 manifests, 1 gzip layer each holding "
            "/<platform>/README.md. No attestation manifests."
        ),
    ),
    Case(
        "stereoscope/oci/testdata/no_manifests",
        error=NO_IMAGE,
        note=(
            "Directory whose index.json is really a Docker v2 image MANIFEST (config + layers, "
            "no 'manifests' key); no oci-layout file, no blobs."
        ),
    ),
    Case(
        "stereoscope/oci/testdata/valid-oci.tar",
        images=1,
        layers=(1,),
        refs=(("sample:latest",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/README.md", _add(0, 0o644), kind="file"),),
        note="OCI layout tarball, 1 tiny gzip layer with README.md, ref.name 'sample:latest'.",
    ),
    Case(
        "stereoscope/oci/testdata/valid_manifest",
        error=("digest", "manifest", "corrupt", "unsupported"),
        note=(
            "Directory without oci-layout whose index.json is a Docker manifest LIST naming one "
            "linux/arm manifest sha256:f67dcc... (size 424); that blob exists but is EMPTY "
            "(0 bytes, sha256 e3b0c4...): size and digest mismatch, and not JSON."
        ),
    ),
    Case(
        "stereoscope/oci/testdata/valid_oci_dir",
        images=1,
        layers=(1,),
        refs=(("latest", "1.0"),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/README.md", _add(0, 0o644), kind="file"),),
        note=(
            "OCI layout dir listing the SAME manifest twice: ref 'latest' without platform, then "
            "ref '1.0' with linux/amd64. Counted once; refs merged = {'latest', '1.0'} "
            "(first-occurrence-only would be ('latest',))."
        ),
    ),
)

_TRIVY_ALPINE_NOTE = (
    "REAL `docker save` of alpine:{v} (legacy), whole archive gzip-compressed, 1 uncompressed "
    "layer of {n} entries ({mb} MB decompressed): busybox applets as symlinks to /bin/busybox, "
    "/sbin/apk, /etc/shadow 0640, no setuid files."
)


def _trivy_alpine(name: str, ref: str, entries: int) -> Case:
    version = ref.split(":")[1]
    return Case(
        f"trivy-images/fanal-test-testdata/{name}",
        images=1,
        layers=(1,),
        refs=((ref,),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(
            _fact("/bin/busybox", _add(0, 0o755), kind="file"),
            _fact("/bin/sh", _add(0), kind="symlink", link="/bin/busybox"),
            _fact("/sbin/apk", _add(0, 0o755), kind="file"),
            _fact("/etc/shadow", _add(0, 0o640), kind="file"),
        ),
        slow=True,
        note=_TRIVY_ALPINE_NOTE.format(v=version, n=entries, mb="5.8"),
    )


_TRIVY_OCI_NOTE = "OCI layout dir, 1 manifest, 1 gzip layer holding /hello (hello-world)."

_TRIVY = (
    _trivy_alpine("alpine-310.tar.gz", "alpine:3.10", 482),
    _trivy_alpine("alpine-311.tar.gz", "alpine:3.11", 488),
    Case(
        "trivy-images/fanal-test-testdata/test.oci",
        images=1,
        layers=(1,),
        refs=((),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/hello", _add(0, 0o775), kind="file"),),
        note=_TRIVY_OCI_NOTE + " No ref name.",
    ),
    Case(
        "trivy-images/fanal-test-testdata/test_image_tag.oci",
        images=1,
        layers=(1,),
        refs=(("0.0.1",),),
        platforms=("linux/amd64",),
        artifacts=0,
        facts=(_fact("/hello", _add(0, 0o775), kind="file"),),
        note=_TRIVY_OCI_NOTE + " ref.name '0.0.1'.",
    ),
    Case(
        "trivy-images/fanal-test-testdata/test_bad_index_json.oci",
        error=("manifest",),
        note="Valid blobs, but index.json is the 6 bytes 'foobar\\n' (not JSON).",
    ),
    Case(
        "trivy-images/fanal-test-testdata/test_index_json_dir.oci",
        error=("manifest",),
        note=(
            "index.json is a DIRECTORY (holding .keep); the folder also nests a copy of "
            "test_bad_index_json.oci (its own case below)."
        ),
    ),
    Case(
        "trivy-images/fanal-test-testdata/test_index_json_dir.oci/test_bad_index_json.oci",
        error=("manifest",),
        note="Nested copy of test_bad_index_json.oci: index.json is 'foobar'.",
    ),
    Case(
        "trivy-images/fanal-test-testdata/test_invalid_oci_image.oci",
        error=("missing-blob", "manifest", "unsupported"),
        note=(
            "index.json's only descriptor has mediaType application/badmedia+json and digest "
            "sha256:bad744... which is absent (the real manifest afb744... is present but "
            "unreferenced). Skipping the unknown type leaves no image; fetching it finds the "
            "blob missing."
        ),
    ),
    Case(
        "trivy-images/fanal-test-testdata/test_no_valid_manifests.oci",
        error=("manifest",),
        note="index.json is '{}': no 'manifests' at all.",
    ),
    Case(
        "trivy-images/walker-test.tar",
        error=UNSUPPORTED,
        note=(
            "Bare layer: app/myweb/index.html, baz, etc/.wh..wh..opq, foo/.wh.foo, vendor/bar. "
            "A single layer, so not an image and no path facts."
        ),
    ),
    Case(
        "trivy-images/fanal-image-testdata/manifest.json",
        error=UNSUPPORTED,
        note="Loose registry v2 manifest JSON (identical to dockle/manifest.json).",
    ),
    Case(
        "trivy-images/fanal-image-testdata/multi",
        error=("missing-blob", "manifest", "unsupported"),
        note=(
            "index.json only (no oci-layout): ref 'tg11' -> nested index 56f658... (present) -> "
            "two manifests (linux/amd64, linux/arm) whose blobs are absent."
        ),
    ),
    Case(
        "trivy-images/fanal-image-testdata/single",
        error=("missing-blob", "manifest", "unsupported"),
        note="index.json only (no oci-layout, no blobs/): ref '3.14' -> manifest 56ae38... absent.",
    ),
)

CASES: tuple[Case, ...] = (
    *_ALPINE_MINIROOTFS,
    *_BUSYBOX,
    *_CLAIRCORE,
    *_CONTAINER_INSPECTOR,
    *_DIVE,
    *_DOCKLE,
    *_GGCR,
    *_OSV_SCALIBR,
    *_PODMAN,
    *_REGCLIENT,
    *_STEREOSCOPE,
    *_TRIVY,
)

# ---------------------------------------------------------------------------------------------
# Inputs deliberately NOT listed as cases (everything else under images/ is a case):
#
# * */LICENSE, container-inspector/apache-2.0.LICENSE and data/distro/{apache-2.0,cc0-1.0,mit}
#   .LICENSE, */PROVENANCE.txt: licensing/provenance text (excluded by the brief).
# * README files: ggcr/v1/{layout,mutate}/testdata/README.md,
#   container-inspector/data/distro/README-{chef,nate,zoo}.md,
#   container-inspector/data/image_templates/README.rst (excluded by the brief).
# * Dockerfiles: dive/Dockerfile.{example,minimal,test-image},
#   container-inspector/data/image_templates/Dockerfile.{from_tar,scratch},
#   osv-scalibr/**/Dockerfile, regclient/testdata/Dockerfile.{b1,b2,b3,v1,v2,v3}
#   (excluded by the brief).
# * *expected*.json under container-inspector/data (upstream expected outputs, excluded).
# * container-inspector/data/distro/os-release/** (394 os-release samples, excluded).
# * Files that are parts of an OCI layout listed above: every blobs/sha256/<hex>, index.json
#   and oci-layout inside those folders, and test_index_json_dir.oci/index.json/.keep. They are
#   read through their layout case, never on their own.
# * Plain folders that are neither an OCI layout nor an archive (e.g. the busybox-official
#   <variant>/ folders, ggcr/v1/mutate/testdata/whiteout_dir/, trivy-images/fanal-image-testdata/,
#   container-inspector/data/image_templates/additions/): only the files inside them are inputs.
# * Listed in a PROVENANCE.txt but absent on disk (nothing to test): alpine-minirootfs
#   3.6.5 tarball, Dockerfile.v3.20, Dockerfile.v3.6, commits.txt; busybox-official
#   <variant>/oci/ layout folders (only the .oci-layout.tar files exist).
# ---------------------------------------------------------------------------------------------
