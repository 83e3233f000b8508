"""Shots for a beat: how many, which camera move and framing, how they enter.

The camera table maps a beat's emotion to the moves that suit it, in order of preference:

    tense       push_in, handheld, tilt_down, pan_left
    urgent      push_in, pan_right, handheld, pan_left
    sad         slow_push_in, pull_out, tilt_down, static
    joyful      pan_right, ken_burns, tilt_up, push_in
    hopeful     tilt_up, slow_push_in, ken_burns, pull_out
    epic        pull_out, tilt_up, ken_burns, pan_right
    mysterious  slow_push_in, pan_left, tilt_down, handheld
    calm        ken_burns, slow_push_in, pan_right, static
    neutral     ken_burns, slow_push_in, pan_left, pull_out

A shot takes the first move of its list that differs from the previous shot's, walking the list
from a position that advances with each shot, so long films cycle through the moves instead of
repeating the first. Simple plans hold one shot per beat (split above 8 s); pro plans cut every
2-4 s. Every shot lasts 1.5-10 s.
"""

from __future__ import annotations

import math

from studio.spec.common import CameraMovement, Framing, TransitionType

MIN_SHOT, MAX_SHOT = 1.5, 10.0
SIMPLE_SHOT = 8.0
PRO_SHOT = 3.0
FAST_EMOTIONS = frozenset({"tense", "urgent"})

M = CameraMovement
MOVES: dict[str, tuple[CameraMovement, ...]] = {
    "tense": (M.PUSH_IN, M.HANDHELD, M.TILT_DOWN, M.PAN_LEFT),
    "urgent": (M.PUSH_IN, M.PAN_RIGHT, M.HANDHELD, M.PAN_LEFT),
    "sad": (M.SLOW_PUSH_IN, M.PULL_OUT, M.TILT_DOWN, M.STATIC),
    "joyful": (M.PAN_RIGHT, M.KEN_BURNS, M.TILT_UP, M.PUSH_IN),
    "hopeful": (M.TILT_UP, M.SLOW_PUSH_IN, M.KEN_BURNS, M.PULL_OUT),
    "epic": (M.PULL_OUT, M.TILT_UP, M.KEN_BURNS, M.PAN_RIGHT),
    "mysterious": (M.SLOW_PUSH_IN, M.PAN_LEFT, M.TILT_DOWN, M.HANDHELD),
    "calm": (M.KEN_BURNS, M.SLOW_PUSH_IN, M.PAN_RIGHT, M.STATIC),
    "neutral": (M.KEN_BURNS, M.SLOW_PUSH_IN, M.PAN_LEFT, M.PULL_OUT),
}


def shot_count(seconds: float, pro: bool) -> int:
    """How many equal shots a beat of ``seconds`` gets, each within 1.5-10 s when possible."""
    wanted = math.ceil(seconds / SIMPLE_SHOT) if not pro else round(seconds / PRO_SHOT)
    most = max(1, math.floor(seconds / MIN_SHOT))
    least = max(1, math.ceil(seconds / MAX_SHOT))
    return max(least, min(max(1, wanted), most))


def choose_move(emotion: str, previous: CameraMovement | None, index: int) -> CameraMovement:
    """The emotion's move at ``index`` (cycling), skipping the previous shot's move."""
    moves = MOVES.get(emotion, MOVES["neutral"])
    for step in range(len(moves)):
        move = moves[(index + step) % len(moves)]
        if move is not previous:
            return move
    return moves[0]


def choose_framing(
    emotion: str, first_of_scene: bool, index_in_beat: int, portrait_in_landscape: bool
) -> Framing:
    """Wide to open a scene, closer as a beat goes on; portraits in a wide frame sit closer."""
    if portrait_in_landscape:
        return Framing.CLOSE_UP if emotion in ("sad", "tense") else Framing.MEDIUM_SHOT
    if first_of_scene and index_in_beat == 0:
        return Framing.WIDE_SHOT
    if emotion in ("sad", "tense", "mysterious") or index_in_beat >= 2:
        return Framing.CLOSE_UP
    return Framing.MEDIUM_SHOT if index_in_beat == 0 else Framing.CLOSE_UP


def choose_transition(
    emotion: str, first_of_scene: bool, first_of_beat: bool
) -> tuple[TransitionType, float]:
    """Scenes open through black; fast beats cut; everything else crossfades."""
    if first_of_scene:
        return TransitionType.FADE_BLACK, 0.8
    if emotion in FAST_EMOTIONS:
        return TransitionType.CUT, 0.0
    return TransitionType.CROSSFADE, 0.5 if first_of_beat else 0.4
