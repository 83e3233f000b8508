"""The open plan as an editable document: every change is an undoable command.

The plan stays the spec's JSON (a dict), edited at JSON paths, so what is saved is exactly what
the renderer reads. Views never write to the dict: they call the ``set_*`` methods, which push a
``SetValues`` command on the document's QUndoStack (Ctrl+Z / Ctrl+Shift+Z undo and redo it), and
repaint on ``changed``. Edits the spec would reject (a shot overlapping its neighbour) raise
``EditRefused`` naming the field, and change nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from studio.spec import Position, SourceType
from studio.ui.cinema.plan_checks import EditRefused, JsonPath, check_shot_timing

SOURCE_OF_KIND = {"image": SourceType.USER_IMAGE, "video": SourceType.USER_VIDEO}
"""The shot source type an asset of each kind becomes when dropped onto a shot."""


MISSING = object()
"""The value of a key the plan leaves out (its default applies); undo removes it again."""


def get_at(document: Any, path: JsonPath) -> Any:
    """The value at ``path``; ``MISSING`` when the last key is absent from its object."""
    node = document
    for index, key in enumerate(path):
        if index == len(path) - 1 and isinstance(node, dict) and key not in node:
            return MISSING
        node = node[key]
    return node


def _set_at(document: Any, path: JsonPath, value: Any) -> None:
    parent = get_at(document, path[:-1])
    if value is MISSING:
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = copy.deepcopy(value)


class SetValues(QUndoCommand):
    """Set values at several JSON paths as one step (a voiceover and its voice line, say)."""

    def __init__(
        self, document: PlanDocument, label: str, changes: Sequence[tuple[JsonPath, Any]]
    ) -> None:
        super().__init__(label)
        self.document = document
        self.changes = [
            (path, copy.deepcopy(get_at(document.plan, path)), new) for path, new in changes
        ]

    def redo(self) -> None:
        for path, _, new in self.changes:
            _set_at(self.document.plan, path, new)
        self.document.changed.emit()

    def undo(self) -> None:
        for path, old, _ in reversed(self.changes):
            _set_at(self.document.plan, path, old)
        self.document.changed.emit()


class PlanDocument(QObject):
    """A production's plan being edited; ``undo_stack.isClean()`` means nothing to save."""

    changed = Signal()

    def __init__(self, plan: dict[str, Any], revision: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plan: dict[str, Any] = copy.deepcopy(plan)
        self.revision = revision
        self.undo_stack = QUndoStack(self)

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.plan)

    def mark_saved(self, revision: int) -> None:
        self.revision = revision
        self.undo_stack.setClean()

    # Lookups

    @property
    def fps(self) -> float:
        return float(self.plan.get("resolution", {}).get("fps", 30))

    @property
    def duration(self) -> float:
        return float(self.plan.get("duration_seconds", 0.0))

    def beat_path(self, beat_id: str) -> JsonPath:
        for s, scene in enumerate(self.plan.get("script", {}).get("scenes", [])):
            for b, beat in enumerate(scene.get("beats", [])):
                if beat.get("beat_id") == beat_id:
                    return ("script", "scenes", s, "beats", b)
        raise KeyError(f"no beat {beat_id!r} in the plan")

    def shot_path(self, shot_id: str) -> JsonPath:
        for s, scene in enumerate(self.plan.get("visual_plan", {}).get("scenes", [])):
            for i, shot in enumerate(scene.get("shots", [])):
                if shot.get("shot_id") == shot_id:
                    return ("visual_plan", "scenes", s, "shots", i)
        raise KeyError(f"no shot {shot_id!r} in the plan")

    def beat(self, beat_id: str) -> dict[str, Any]:
        found: dict[str, Any] = get_at(self.plan, self.beat_path(beat_id))
        return found

    def shot(self, shot_id: str) -> dict[str, Any]:
        found: dict[str, Any] = get_at(self.plan, self.shot_path(shot_id))
        return found

    # Edits

    def edit(self, label: str, changes: Sequence[tuple[JsonPath, Any]]) -> bool:
        """Push one undoable step with the changes that differ; False when none did."""
        real = [(path, value) for path, value in changes if get_at(self.plan, path) != value]
        if not real:
            return False
        self.undo_stack.push(SetValues(self, label, real))
        return True

    def set_voiceover(self, beat_id: str, text: str) -> bool:
        """The beat's narration and its voice line together, so the render speaks the edit."""
        changes: list[tuple[JsonPath, Any]] = [((*self.beat_path(beat_id), "voiceover_text"), text)]
        lines = self.plan.get("audio_plan", {}).get("voice", {}).get("lines", [])
        for index, line in enumerate(lines):
            if line.get("beat_id") == beat_id:
                changes.append((("audio_plan", "voice", "lines", index, "text"), text))
        return self.edit(f"Edit voiceover of {beat_id}", changes)

    def set_on_screen_text(self, beat_id: str, text: str) -> bool:
        path = (*self.beat_path(beat_id), "on_screen_text")
        return self.edit(f"Edit on-screen text of {beat_id}", [(path, text)])

    def set_camera(
        self, shot_id: str, movement: str | None = None, framing: str | None = None
    ) -> bool:
        camera = dict(self.shot(shot_id).get("camera") or {})
        if movement is not None:
            camera["movement"] = movement
        if framing is not None:
            camera["framing"] = framing
        path = (*self.shot_path(shot_id), "camera")
        return self.edit(f"Edit camera of {shot_id}", [(path, camera)])

    def set_timing(self, shot_id: str, start: float, end: float) -> bool:
        """Move a shot; EditRefused (naming start_time or end_time) when the spec rejects it."""
        path = self.shot_path(shot_id)
        start, end = round(float(start), 3), round(float(end), 3)
        check_shot_timing(self.plan, path, start, end)
        return self.edit(
            f"Edit timing of {shot_id}",
            [((*path, "start_time"), start), ((*path, "end_time"), end)],
        )

    def set_overlay_position(self, shot_id: str, index: int, position: str) -> bool:
        if position not in {item.value for item in Position}:
            raise EditRefused("position", f"{position!r} is not one of the nine positions")
        overlays = self.shot(shot_id).get("overlays", [])
        if not 0 <= index < len(overlays):
            raise EditRefused("overlays", f"{shot_id} has no overlay number {index + 1}")
        path = (*self.shot_path(shot_id), "overlays", index, "position")
        return self.edit(f"Move overlay {index + 1} of {shot_id}", [(path, position)])

    def set_source(self, shot_id: str, asset_id: str, kind: str, name: str = "") -> bool:
        """Show a photo or clip of the library in the shot (its prompt is kept as a note)."""
        source_type = SOURCE_OF_KIND.get(kind)
        if source_type is None:
            raise EditRefused(
                "source", f"a {kind} file cannot be a shot's picture: use a photo or a video clip"
            )
        source: dict[str, Any] = {"type": source_type.value, "asset_id": asset_id}
        prompt = self.shot(shot_id).get("source", {}).get("generation_prompt")
        if prompt:
            source["generation_prompt"] = prompt
        path = (*self.shot_path(shot_id), "source")
        return self.edit(f"Use {name or asset_id[:12]} in {shot_id}", [(path, source)])
