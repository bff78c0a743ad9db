"""Progress on a terminal: the work named from the first second, bytes of the whole archive,
no estimate of the time left until it means something, the phases after the read named."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.detectors.base import NOTHING
from analyzer.detectors.context import ImageContext
from analyzer.detectors.secrets import SecretDetector
from analyzer.filesystem.content import ContentSink
from analyzer.findings.model import Finding
from analyzer.progress import ProgressLine
from analyzer.scan import scan_archive
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.redact import Redacted

MB = 1 << 20


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def shown(stream: io.StringIO) -> str:
    """The line as the terminal shows it now (the last redraw)."""
    return stream.getvalue().rsplit("\r", 1)[-1].rstrip()


def line() -> tuple[Terminal, Clock, ProgressLine]:
    stream, clock = Terminal(), Clock()
    return stream, clock, ProgressLine(stream, enabled=True, clock=clock)


def test_the_work_is_named_before_any_byte_is_read() -> None:
    stream, _, progress = line()
    progress.start("reading image.tar")
    assert shown(stream) == "reading image.tar..."


def test_bytes_of_the_whole_archive_are_counted() -> None:
    stream, _, progress = line()
    progress.start("reading image.tar")
    progress(50 * MB, 200 * MB, "layer 1/4")
    assert shown(stream) == "reading image.tar: 50 MB of 200 MB (25%), layer 1/4"


def test_no_time_left_until_five_seconds_and_two_percent_were_measured() -> None:
    stream, clock, progress = line()
    progress.start("reading image.tar")
    progress(0, 1000 * MB)
    clock.now += 4
    progress(400 * MB, 1000 * MB)
    assert "left" not in shown(stream)  # 40% read, but only 4 s measured
    clock.now += 6  # 10 s for 500 MB: 50 MB/s
    progress(500 * MB, 1000 * MB)
    assert shown(stream).endswith("(50%), about 10 s left")


def test_a_slow_start_does_not_count_as_reading_time() -> None:
    stream, clock, progress = line()
    progress.start("reading image.tar")
    clock.now += 60  # indexing the tar: nothing read yet
    progress(10 * MB, 1000 * MB)
    clock.now += 10
    progress(110 * MB, 1000 * MB)  # 100 MB in 10 s measured from the first report
    assert shown(stream).endswith("(11%), about 1 min left")  # 890 MB at 10 MB/s


def test_too_little_read_gives_no_estimate() -> None:
    stream, clock, progress = line()
    progress(0, 1000 * MB)
    clock.now += 30
    progress(10 * MB, 1000 * MB)  # 1%: a guess from so little would swing wildly
    assert "left" not in shown(stream)


def test_redraws_are_rate_limited_for_a_reader_reporting_every_chunk() -> None:
    stream, clock, progress = line()
    progress(1, 1000 * MB)
    for done in range(2, 1000):
        progress(done * 1024, 1000 * MB)
    assert stream.getvalue().count("\r") == 1
    clock.now += 1
    progress(2 * MB, 1000 * MB)
    assert stream.getvalue().count("\r") == 2


def test_the_end_of_the_read_and_later_phases_are_named() -> None:
    stream, _, progress = line()
    progress(200 * MB, 200 * MB, "layer 4/4")
    assert shown(stream) == "200 MB read; examining what was read..."
    progress.phase("examining 1,234 files for secrets")
    assert shown(stream) == "examining 1,234 files for secrets..."
    progress.finish()
    assert shown(stream) == ""


def test_a_shorter_line_erases_the_longer_one_before_it() -> None:
    stream, _, progress = line()
    progress(50 * MB, 200 * MB, "layer 1/4 " + "x" * 30)
    progress.phase("done")
    last = stream.getvalue().rsplit("\r", 1)[-1]
    assert last.startswith("done...") and len(last) >= 60


def test_nothing_is_drawn_off_a_terminal_or_when_disabled() -> None:
    pipe = io.StringIO()
    ProgressLine(pipe, enabled=True).start("reading image.tar")
    terminal = Terminal()
    ProgressLine(terminal, enabled=False).start("reading image.tar")
    assert pipe.getvalue() == terminal.getvalue() == ""


def scan_on_terminal(monkeypatch: pytest.MonkeyPatch, *argv: str) -> str:
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    assert main(["scan", *argv]) == 0
    return screen.getvalue()


def test_a_scan_names_the_read_and_the_bundle_writing(
    built: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    err = scan_on_terminal(
        monkeypatch, str(built["example"]), "--jobs", "1", "--bundle", str(tmp_path / "b")
    )
    assert "\rreading example.tar..." in err and "\rwriting the evidence bundle..." in err
    assert f"image-audit: evidence bundle written to {tmp_path / 'b'}\n" in err


@pytest.mark.parametrize("flag", ["-q", "--no-progress"])
def test_quiet_and_no_progress_draw_nothing(
    flag: str, built: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = scan_on_terminal(monkeypatch, str(built["example"]), "--jobs", "1", flag)
    assert "\r" not in err


class _Recorder:
    """A progress display that records what it is told."""

    def __init__(self) -> None:
        self.phases: list[str] = []

    def __call__(self, done: int, total: int, label: str = "") -> None:
        pass

    def phase(self, text: str) -> None:
        self.phases.append(text)


class _SlowSecrets:
    """A secrets finder whose workers still hold three files when the read ends."""

    rules = ()
    content = NOTHING

    def __init__(self) -> None:
        self.inner = SecretDetector(workers=1)

    @property
    def engine(self) -> SecretEngine:
        return self.inner.engine

    @property
    def waiting(self) -> int:
        return 3

    def found_secrets(self) -> list[Redacted]:
        return self.inner.found_secrets()

    def sink(self) -> ContentSink:
        return self.inner.sink()

    def close(self) -> None:
        self.inner.close()

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        return iter(())


def test_after_the_read_the_scan_says_how_many_files_it_still_examines(
    built: dict[str, Path],
) -> None:
    recorder = _Recorder()
    scan_archive(built["example"], detectors=[_SlowSecrets()], progress=recorder)
    assert recorder.phases == ["examining 3 more file(s) for secrets"]
