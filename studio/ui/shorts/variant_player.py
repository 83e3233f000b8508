"""Plays the chosen variant: its rendered mp4 when there is one, else a loop of engine frames.

The mp4 goes through QtMultimedia (QMediaPlayer into a QVideoWidget, looping, muted until the
user unmutes); where QtMultimedia is missing, a rendered variant is shown as engine frames too,
which are the export's pixels anyway. Frames are drawn on a pool thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QHideEvent, QImage, QPixmap, QShowEvent
from PySide6.QtWidgets import QCheckBox, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from studio.pipeline.yuv import U8
from studio.services.library.db import Library
from studio.spec import BrandKit
from studio.ui.background import run_in_background
from studio.ui.shorts.shorts_model import VariantRow
from studio.ui.shorts.variant_frames import play_times, variant_frames
from studio.ui.shorts.variant_grid import FRAME_MS, plan_key, to_image

try:
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
    from PySide6.QtMultimediaWidgets import QVideoWidget

    HAS_MULTIMEDIA = True
except ImportError:  # a Qt build without QtMultimedia: frames only
    HAS_MULTIMEDIA = False

PLAYER_SIDE = 360


class VariantPlayer(QWidget):
    """``mode`` says what is shown: "video", "frames" or "" (nothing chosen)."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.mode = ""
        self._video: Path | None = None
        self._key = ""
        self._images: list[QImage] = []
        self._frame = 0
        self.picture = QLabel("Click a variant to play it.")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(QSize(200, 200))
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setStyleSheet("background: #000000;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.picture)
        self.sound = QCheckBox("Sound")
        self.sound.setToolTip("Play the rendered short's audio")
        self.sound.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.sound)
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._next_frame)
        if HAS_MULTIMEDIA:
            self.video = QVideoWidget()
            self.audio = QAudioOutput(self)
            self.audio.setMuted(True)
            self.media = QMediaPlayer(self)
            self.media.setAudioOutput(self.audio)
            self.media.setVideoOutput(self.video)
            self.media.setLoops(QMediaPlayer.Loops.Infinite)
            self.sound.toggled.connect(lambda on: self.audio.setMuted(not on))
            self.stack.addWidget(self.video)

    def show_variant(self, row: VariantRow | None, kit: BrandKit | None) -> None:
        """Play ``row`` (None: stop and show nothing)."""
        self.stop()
        if row is None:
            self.mode = ""
            self.picture.setText("Click a variant to play it.")
            self.stack.setCurrentWidget(self.picture)
            return
        if row.video is not None and HAS_MULTIMEDIA:
            self.mode = "video"
            self.sound.setVisible(True)
            self.stack.setCurrentWidget(self.video)
            self._video = row.video
            self.media.setSource(QUrl.fromLocalFile(str(row.video)))
            self.media.play()
            return
        self.mode = "frames"
        self.stack.setCurrentWidget(self.picture)
        self._key = plan_key(row)
        self.picture.setText("Drawing the preview…")
        key = self._key
        run_in_background(
            self,
            lambda: variant_frames(self.library, row.plan, kit, PLAYER_SIDE, play_times(row.plan)),
            lambda frames: self._frames_drawn(key, frames),
            lambda message: self.picture.setText(f"The preview cannot be drawn: {message}"),
        )

    def _frames_drawn(self, key: str, frames: list[U8]) -> None:
        if key != self._key or self.mode != "frames":
            return
        self._images = [to_image(rgb) for rgb in frames]
        self._frame = 0
        self._timer.start()
        self._next_frame()

    def _next_frame(self) -> None:
        if not self._images:
            self._timer.stop()
            return
        image = self._images[self._frame % len(self._images)]
        pixmap = QPixmap.fromImage(image).scaled(
            self.picture.size(),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.picture.setPixmap(pixmap)
        self._frame += 1

    def current_image(self) -> QImage | None:
        """The engine frame on screen now (frames mode), for views and tests."""
        if not self._images:
            return None
        return self._images[(self._frame - 1) % len(self._images)]

    def stop(self) -> None:
        self._timer.stop()
        self._images = []
        self._key = ""
        self._video = None
        self.sound.setVisible(False)
        if HAS_MULTIMEDIA:
            self.media.stop()
            self.media.setSource(QUrl())

    def hideEvent(self, event: QHideEvent) -> None:
        """Release the mp4 while unseen: the media backend's threads must not outlive the
        window (closing it while a video was loaded crashed QtMultimedia's FFmpeg backend)."""
        self._timer.stop()
        if HAS_MULTIMEDIA:
            self.media.stop()
            self.media.setSource(QUrl())
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.mode == "frames" and self._images:
            self._timer.start()
        elif self.mode == "video" and HAS_MULTIMEDIA and self._video is not None:
            self.media.setSource(QUrl.fromLocalFile(str(self._video)))
            self.media.play()
