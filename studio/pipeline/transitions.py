"""How one shot gives way to the next: each transition blends two finished frames.

``progress`` runs 0 to 1 across the transition, which is centred on the cut.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from studio.pipeline.camera import ease
from studio.pipeline.yuv import U8, Planes, u8
from studio.spec import TransitionType

_BLACK = (16, 128, 128)


def _mix(a: U8, b: U8, weight_b: float) -> U8:
    return u8(cv2.addWeighted(a, 1.0 - weight_b, b, weight_b, 0))


def _toward_black(planes: Planes, amount: float) -> Planes:
    keep = 1.0 - amount
    out = []
    for plane, black in zip((planes.y, planes.u, planes.v), _BLACK, strict=True):
        out.append(u8(cv2.convertScaleAbs(plane, alpha=keep, beta=black * amount)))
    return Planes(*out)


def _slide(a: Planes, b: Planes, progress: float, vertical: bool, blur: bool) -> Planes:
    width, height = a.size
    travel = height if vertical else width
    shift = round(ease(progress) * travel / 2) * 2
    out = []
    for plane_a, plane_b, factor in ((a.y, b.y, 1), (a.u, b.u, 2), (a.v, b.v, 2)):
        s = shift // factor
        if vertical:
            plane = np.concatenate([plane_a[s:], plane_b[:s]]) if s else plane_a.copy()
        else:
            plane = (
                np.concatenate([plane_a[:, s:], plane_b[:, :s]], axis=1) if s else plane_a.copy()
            )
        if blur:
            size = int(travel / factor * 0.08 * math.sin(math.pi * progress))
            if size > 1:
                kernel = (1, size) if vertical else (size, 1)
                plane = u8(cv2.blur(plane, kernel))
        out.append(np.ascontiguousarray(plane))
    return Planes(*out)


def blend(kind: TransitionType, a: Planes, b: Planes, progress: float) -> Planes:
    """The frame ``progress`` of the way from ``a`` (outgoing) to ``b`` (incoming)."""
    progress = min(1.0, max(0.0, progress))
    if kind is TransitionType.CUT:
        return b if progress >= 0.5 else a
    if kind is TransitionType.CROSSFADE:
        return Planes(_mix(a.y, b.y, progress), _mix(a.u, b.u, progress), _mix(a.v, b.v, progress))
    if kind is TransitionType.FADE_BLACK:
        if progress < 0.5:
            return _toward_black(a, progress * 2)
        return _toward_black(b, 2 - progress * 2)
    if kind is TransitionType.SLIDE_UP:
        return _slide(a, b, progress, vertical=True, blur=False)
    return _slide(a, b, progress, vertical=False, blur=kind is TransitionType.WHIP)
