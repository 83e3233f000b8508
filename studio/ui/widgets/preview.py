"""The preview: the engine's own compositor drawing the frame at the playhead, at the widget's size.

``Compositor.frame_rgb`` is what ``render_frame`` calls and what the export encodes, so the preview
shows the export's pixels, scaled. One compositor is kept per timeline and size (it caches the
prepared shots, and prepares the next one on a worker thread before it enters), and replaced when
either changes. Playback derives the time from a wall clock
on every tick, so a slow frame makes the next tick skip ahead (frames drop) instead of the
picture falling behind the clock. The production's mixed sound plays along where QtMultimedia
can play it (PreviewSound); otherwise the preview says it is silent, and why.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import QElapsedTimer, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QHideEvent, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from studio.pipeline.compositor import Compositor
from studio.pipeline.timeline import Timeline
from studio.ui import theme
from studio.ui.widgets.preview_sound import PreviewSound

log = logging.getLogger(__name__)

MAX_PREVIEW_SIDE = 1280
"""Longest side of a preview frame in device pixels: enough for a crisp panel, still fast."""


def format_time(seconds: float, fps: float) -> str:
    """mm:ss.ff, ff being the frame within the second."""
    whole = int(seconds)
    frame = round((seconds - whole) * fps)
    if frame >= round(fps):
        whole, frame = whole + 1, 0
    return f"{whole // 60:02d}:{whole % 60:02d}.{frame:02d}"


def fit_size(canvas: QSize, ratio: float, width: int, height: int) -> tuple[int, int]:
    """The largest even size of ``width``:``height`` fitting ``canvas`` x ``ratio`` pixels."""
    room_w = max(16, int(canvas.width() * ratio))
    room_h = max(16, int(canvas.height() * ratio))
    scale = min(room_w / width, room_h / height, MAX_PREVIEW_SIDE / max(width, height))
    return max(16, int(width * scale) // 2 * 2), max(16, int(height * scale) // 2 * 2)


class PreviewCanvas(QWidget):
    """Paints the current frame centred on black, or a line of text when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.message = "Open or create a production, then press Plan."
        self.setMinimumSize(240, 135)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def show_image(self, image: QImage | None, message: str = "") -> None:
        self.image = image
        self.message = message
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        if self.image is not None and not self.image.isNull():
            ratio = self.image.devicePixelRatio()
            w, h = self.image.width() / ratio, self.image.height() / ratio
            target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
            painter.drawImage(target, self.image)
        if self.message:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.message,
            )
        painter.end()


class PreviewPlayer(QWidget):
    """The canvas with play/pause, the time, the sound, and the silent-preview notice."""

    time_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = PreviewCanvas()
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip(
            "Play or pause (Space); J back 1 s, K pause, L play, arrows step"
        )
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(self.toggle)
        self.time_label = QLabel(format_time(0, 30))
        self.time_label.setObjectName("Muted")
        self.sound = PreviewSound(self)
        self.silent_label = QLabel("")
        self.silent_label.setObjectName("Badge")
        self.silent_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label = QLabel("")
        self.status_label.setObjectName("Muted")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.time_label)
        controls.addWidget(self.status_label, 1)
        controls.addWidget(self.silent_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(controls)

        self.timeline: Timeline | None = None
        self.position = 0.0
        self._compositor: Compositor | None = None
        self._compositor_size: tuple[int, int] = (0, 0)
        self._clock = QElapsedTimer()
        self._played_from = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._resized = QTimer(self)
        self._resized.setSingleShot(True)
        self._resized.setInterval(60)
        self._resized.timeout.connect(self._draw)
        self._show_sound_state()

    # Content

    @property
    def fps(self) -> float:
        return self.timeline.fps if self.timeline is not None else 30.0

    @property
    def duration(self) -> float:
        return self.timeline.duration if self.timeline is not None else 0.0

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def set_timeline(self, timeline: Timeline | None, message: str = "") -> None:
        """Show ``timeline`` (or nothing, with ``message``) at the current position."""
        self.pause()
        self._close_compositor()
        self.timeline = timeline
        self.play_button.setEnabled(timeline is not None)
        self.status_label.setText("")
        if timeline is None:
            self.set_audio(None)
            self.canvas.show_image(None, message)
            return
        self.position = min(self.position, self._last_frame_time())
        self._draw()

    def set_audio(self, path: Path | None, reason: str = "") -> None:
        """The WAV to play with the picture; None (with why) for a silent preview."""
        self.sound.set_source(path, reason)
        if path is not None:
            self.sound.seek(self.position)
            if self.playing:
                self.sound.play(self.position)
        self._show_sound_state()

    def _show_sound_state(self) -> None:
        # With nothing to preview there is nothing to be silent about.
        reason = self.sound.silent_reason if self.timeline is not None else ""
        self.silent_label.setText(f"Silent preview: {reason}" if reason else "")
        self.silent_label.setToolTip(self.silent_label.text())
        self.silent_label.setVisible(bool(reason))

    def set_status(self, text: str) -> None:
        """A short state line ("Preparing preview…") beside the controls."""
        self.status_label.setText(text)
        if self.timeline is None:
            self.canvas.show_image(None, text)

    def frame_image(self) -> QImage | None:
        return self.canvas.image

    # Transport

    def seek(self, seconds: float) -> None:
        self.position = min(max(0.0, seconds), self._last_frame_time())
        self.sound.seek(self.position)
        if self.playing:
            self._played_from = self.position
            self._clock.restart()
        self._draw()

    def step_frames(self, frames: int) -> None:
        self.pause()
        frame = round(self.position * self.fps) + frames
        self.seek(frame / self.fps)

    def play(self) -> None:
        if self.timeline is None or self.playing:
            return
        if self.position >= self._last_frame_time():
            self.position = 0.0
        self._played_from = self.position
        self._clock.start()
        self._timer.start(max(1, int(1000 / self.fps)))
        self.sound.play(self.position)
        self.play_button.setText("Pause")

    def pause(self) -> None:
        self._timer.stop()
        self.sound.pause()
        self.play_button.setText("Play")

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def _tick(self) -> None:
        now = self._played_from + self._clock.elapsed() / 1000.0
        if now >= self._last_frame_time():
            self.position = self._last_frame_time()
            self.pause()
        else:
            self.position = now
            self.sound.follow(now)
        self._draw()

    def _last_frame_time(self) -> float:
        if self.timeline is None:
            return 0.0
        return max(0.0, (self.timeline.frame_count - 1) / self.fps)

    # Drawing

    def _draw(self) -> None:
        self.time_label.setText(
            f"{format_time(self.position, self.fps)} / {format_time(self.duration, self.fps)}"
        )
        self.time_changed.emit(self.position)
        timeline = self.timeline
        if timeline is None:
            return
        ratio = self.canvas.devicePixelRatioF()
        size = fit_size(self.canvas.size(), ratio, timeline.width, timeline.height)
        try:
            if self._compositor is None or self._compositor_size != size:
                self._close_compositor()
                self._compositor = Compositor(timeline, *size, prefetch=True)
                self._compositor_size = size
            rgb = np.ascontiguousarray(self._compositor.frame_rgb(self.position))
        except Exception as error:
            log.warning("preview frame at %.2f s failed", self.position, exc_info=True)
            self.pause()
            self.canvas.show_image(None, f"This frame cannot be drawn: {error}")
            return
        height, width = rgb.shape[:2]
        image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
        image.setDevicePixelRatio(ratio)
        self.canvas.show_image(image)

    def _close_compositor(self) -> None:
        if self._compositor is not None:
            self._compositor.close()
        self._compositor = None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.timeline is not None:
            self._resized.start()

    def hideEvent(self, event: QHideEvent) -> None:
        """Hidden (another tab, the window closing): stop, and free the decoders it holds."""
        super().hideEvent(event)
        self.pause()
        self._close_compositor()
