"""``python -m studio.ui.screenshots [OUT_DIR]``: PNGs of every tab with the sample loaded.

Runs the real app in a throwaway library (STUDIO_DATA_DIR in a temp folder), offscreen unless a
platform is set: creates the sample film (pictures imported, planned with the quick timing),
finds hooks and plans variants in Shorts, and saves the window as it looks. It also prints how
long the window took to appear, as a start-up benchmark.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer, SignalInstance
from PySide6.QtWidgets import QWidget

from studio.services.jobs import LocalRunner
from studio.services.library.db import Library
from studio.ui.app import application
from studio.ui.main_window import MainWindow

DEFAULT_OUT = Path("docs/screenshots")
WAIT_SECONDS = 240


class Timeout(Exception):
    pass


def wait_for(signal: SignalInstance, what: str, seconds: float = WAIT_SECONDS) -> None:
    """Run the event loop until ``signal`` fires (a script's wait, never the app's)."""
    loop = QEventLoop()
    fired: list[bool] = []

    def done(*_: object) -> None:
        fired.append(True)
        loop.quit()

    signal.connect(done)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    if not fired:
        raise Timeout(f"gave up waiting for {what} after {seconds:g} s")


def wait_until(test: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: loop.quit() if test() or time.monotonic() > deadline else None)
    timer.start(50)
    loop.exec()
    timer.stop()
    if not test():
        raise Timeout(f"gave up waiting for {what} after {seconds:g} s")


def save(widget: QWidget, path: Path) -> None:
    settle = QEventLoop()
    QTimer.singleShot(300, settle.quit)
    settle.exec()
    if not widget.grab().save(str(path)):
        raise OSError(f"{path}: the screenshot could not be written")
    print(f"wrote {path}")


def shoot(out: Path, size: tuple[int, int], data: Path) -> None:
    started = time.monotonic()
    application()
    library = Library.open(data=data)
    settings = QSettings(str(data / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, LocalRunner(library, workers=2), settings)
    window.resize(*size)
    window.show()
    print(f"window shown {time.monotonic() - started:.2f} s after start")
    try:
        cinema = window.cinema
        cinema.fast_timing.setChecked(True)
        save(window, out / "first-launch.png")
        cinema.create_sample()
        wait_for(cinema.preview_ready, "the sample's preview")
        beats = cinema.plan_view.items_of("beat")
        cinema.side_tabs.setCurrentWidget(cinema.plan_page)
        if len(beats) > 1 and cinema.document is not None:
            cinema.plan_view.select("beat", beats[1])
            beat = cinema.document.beat(beats[1])
            cinema.player.seek((beat["start_time"] + beat["end_time"]) / 2)
        save(window, out / "cinema.png")
        cinema.side_tabs.setCurrentWidget(cinema.asset_bin)
        model = cinema.asset_bin.model
        wait_until(
            lambda: all(
                model.data(model.index(row), Qt.ItemDataRole.DecorationRole)
                for row in range(model.rowCount())
            ),
            "the thumbnails",
        )
        save(window, out / "cinema-assets.png")

        shorts = window.shorts
        window.tabs.setCurrentWidget(shorts)
        shorts.idea.setPlainText("How to stay creative when you work at night")
        shorts.hooks_button.click()
        wait_for(shorts.hooks_ready, "the hooks")
        if shorts.hooks.count() > 1:
            shorts.hooks.item(1).setCheckState(shorts.hooks.item(0).checkState())
        shorts.formats["1_1"].setChecked(True)
        shorts.duration.setValue(20)
        shorts.fast_timing.setChecked(True)
        shorts.variants_button.click()
        wait_for(shorts.variants_ready, "the variants")
        wait_until(lambda: shorts.grid.pending_thumbnails() == 0, "the variants' thumbnails")
        variants = shorts.grid.rows()
        if variants:
            shorts.choose_variant(variants[0].id)
        save(window, out / "shorts.png")

        window.tabs.setCurrentWidget(window.growth)
        if variants:
            window.growth.compose(variants[0].id)
        save(window, out / "growth.png")
    finally:
        window.close()
        library.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m studio.ui.screenshots",
        description="Save screenshots of every tab with the sample production loaded.",
    )
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, metavar="OUT_DIR")
    parser.add_argument("--size", default="1440x900", metavar="WxH", help="window size")
    args = parser.parse_args(argv)
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        print(f"screenshots: --size {args.size}: give WxH such as 1440x900", file=sys.stderr)
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(f"screenshots: {args.out}: is a file, not a folder", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="studio-screenshots-") as folder:
        os.environ["STUDIO_DATA_DIR"] = folder
        try:
            shoot(args.out, (width, height), Path(folder))
        except Timeout as error:
            print(f"screenshots: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
