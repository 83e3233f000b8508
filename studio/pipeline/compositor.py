"""The compositor: the one function that makes frames, for the preview and the export alike.

``Compositor.planes(t)`` returns the I420 frame at time t at the compositor's size; the export
pipes those planes to the encoder and the preview converts them to RGB (``render_frame``), so a
preview frame is the export's frame. Sizes other than the timeline's (a 640x360 preview, a draft
export at half size) scale every layer: geometry is relative to the frame.

Layers are prepared on first use and dropped when the timeline has moved past them, so memory
stays flat however long the timeline is. The preview and the export ask for ``prefetch``: the
shot that comes next is then prepared on a worker thread while the current one plays, so the frame
where it enters does not stall for its decoding and face detection (about 0.1 s for a photo at
preview size, more at 1080p); an export of W1 finishes about 4% sooner, on CPU that ffmpeg and the
compositor left idle.
"""

from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from studio.pipeline.effects import Finish
from studio.pipeline.layers.image import ImageLayerRenderer
from studio.pipeline.layers.text import TextLayerRenderer
from studio.pipeline.layers.visual import VisualLayer
from studio.pipeline.styles import look_for
from studio.pipeline.timeline import Timeline, VideoLayer
from studio.pipeline.transitions import blend
from studio.pipeline.yuv import U8, Planes, planes_to_rgb

MAX_PREPARED = 4
"""Shots kept prepared at once: the two of a transition plus a little scrubbing slack."""
SEQUENTIAL_PREPARED = 2
"""An export walks forward in time, so the two shots of a transition are all it ever needs."""
PREFETCH_SECONDS = 1.5
"""How long before the next shot enters a ``prefetch`` compositor starts preparing it."""


def _even(value: int) -> int:
    return max(2, value // 2 * 2)


class Compositor:
    """Frames of one timeline at one size."""

    def __init__(
        self,
        timeline: Timeline,
        width: int | None = None,
        height: int | None = None,
        *,
        keep_prepared: int = MAX_PREPARED,
        prefetch: bool = False,
    ):
        """``keep_prepared``: shots held ready; an export passes ``SEQUENTIAL_PREPARED``.
        ``prefetch``: prepare the next shot on a worker thread ahead of time (one more shot in
        memory while it is being prepared)."""
        self.timeline = timeline
        self.keep_prepared = keep_prepared
        self.width = _even(width or timeline.width)
        self.height = _even(height or timeline.height)
        self.look = look_for(timeline.style)
        self.finish = Finish(self.look, self.width, self.height)
        self._visuals: OrderedDict[int, VisualLayer] = OrderedDict()
        self._texts: dict[int, TextLayerRenderer] = {}
        self._images: dict[int, ImageLayerRenderer] = {}
        self._worker = (
            ThreadPoolExecutor(1, thread_name_prefix="studio-shot-prepare") if prefetch else None
        )
        self._pending: dict[int, Future[VisualLayer]] = {}

    def __enter__(self) -> Compositor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for future in self._pending.values():
            _discard(future)
        self._pending.clear()
        if self._worker is not None:
            self._worker.shutdown(wait=False, cancel_futures=True)
        for visual in self._visuals.values():
            visual.close()
        self._visuals.clear()
        self._texts.clear()

    def _prepare(self, index: int) -> VisualLayer:
        layer = self.timeline.video[index]
        return VisualLayer(layer, self.look, self.width, self.height, self.timeline.fps)

    def _visual(self, index: int) -> VisualLayer:
        if index in self._visuals:
            self._visuals.move_to_end(index)
            return self._visuals[index]
        pending = self._pending.pop(index, None)
        # A shot still being prepared is waited for; its error, if any, is raised here as it
        # would have been without prefetching.
        visual = pending.result() if pending is not None else self._prepare(index)
        self._visuals[index] = visual
        while len(self._visuals) > self.keep_prepared:
            _, dropped = self._visuals.popitem(last=False)
            dropped.close()
        return visual

    def _shots_at(self, t: float) -> list[int]:
        """Indices of the shots visible at t: one, or two during a transition."""
        video = self.timeline.video
        visible = []
        for index, layer in enumerate(video):
            enter = layer.start - layer.transition_seconds / 2
            following = video[index + 1] if index + 1 < len(video) else None
            leave = layer.end + (following.transition_seconds / 2 if following else 0.0)
            if enter <= t < leave or (following is None and t >= layer.start):
                visible.append(index)
        return visible[-2:]

    def _background(self, t: float, shots: list[int]) -> Planes:
        if not shots:
            return Planes.solid(self.width, self.height)
        if len(shots) == 1:
            return self._visual(shots[0]).planes_at(t).copy()
        outgoing, incoming = shots
        layer: VideoLayer = self.timeline.video[incoming]
        progress = (t - (layer.start - layer.transition_seconds / 2)) / layer.transition_seconds
        a = self._visual(outgoing).planes_at(t)
        b = self._visual(incoming).planes_at(t)
        mixed = blend(layer.transition, a, b, progress)
        return mixed.copy() if mixed is a or mixed is b else mixed

    def _prefetch_after(self, worker: ThreadPoolExecutor, t: float, shots: list[int]) -> None:
        """Start preparing the shot after ``shots`` (those visible at t) when it enters soon."""
        video = self.timeline.video
        following = shots[-1] + 1 if shots else sum(1 for layer in video if layer.start <= t)
        if following >= len(video) or following in self._visuals or following in self._pending:
            return
        layer = video[following]
        if layer.start - layer.transition_seconds / 2 - t > PREFETCH_SECONDS:
            return
        for stale in self._pending.values():  # after a seek: a shot no longer coming next
            _discard(stale)
        self._pending = {following: worker.submit(self._prepare, following)}

    def planes(self, t: float, frame_index: int | None = None) -> Planes:
        """The finished I420 frame at timeline time ``t``."""
        shots = self._shots_at(t)
        frame = self._background(t, shots)
        if self._worker is not None:
            self._prefetch_after(self._worker, t, shots)
        index = frame_index if frame_index is not None else round(t * self.timeline.fps)
        self.finish.apply(frame, index)
        for number, image in enumerate(self.timeline.images):
            if image.start <= t < image.end:
                if number not in self._images:
                    self._images[number] = ImageLayerRenderer(image, self.width, self.height)
                self._images[number].draw(frame, t)
        for number, text in enumerate(self.timeline.text):
            if text.start <= t < text.end:
                renderer = self._texts.get(number)
                if renderer is None:
                    renderer = TextLayerRenderer(
                        text,
                        self.look,
                        self.timeline.palette,
                        self.timeline.caption_look,
                        self.width,
                        self.height,
                    )
                    self._texts[number] = renderer
                renderer.draw(frame, t)
            elif text.end < t - 1.0:
                self._texts.pop(number, None)
        return frame

    def frame_rgb(self, t: float) -> U8:
        return planes_to_rgb(self.planes(t))


def _discard(future: Future[VisualLayer]) -> None:
    """Drop a prepared-ahead shot that will not be shown: close it whenever it is ready."""

    def close_when_ready(done: Future[VisualLayer]) -> None:
        if not done.cancelled() and done.exception() is None:
            done.result().close()

    if not future.cancel():
        future.add_done_callback(close_when_ready)


def render_frame(timeline: Timeline, t: float, size: tuple[int, int] | None = None) -> U8:
    """The RGB frame (H x W x 3) at time ``t``, optionally at another size (a preview)."""
    width, height = size or (timeline.width, timeline.height)
    with Compositor(timeline, width, height) as compositor:
        return compositor.frame_rgb(t)
