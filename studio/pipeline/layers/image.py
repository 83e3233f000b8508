"""Image layers: a logo watermark or sticker, scaled to a share of the frame width."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from studio.pipeline.layers.placement import place, safe_area
from studio.pipeline.layers.sprite import Sprite
from studio.pipeline.sources import MediaError
from studio.pipeline.timeline import ImageLayer
from studio.pipeline.yuv import Planes, u8


class ImageLayerRenderer:
    def __init__(self, layer: ImageLayer, width: int, height: int) -> None:
        self.layer = layer
        try:
            with Image.open(layer.path) as image:
                rgba = np.asarray(ImageOps.exif_transpose(image).convert("RGBA"))
        except (UnidentifiedImageError, OSError) as error:
            raise MediaError(f"{layer.path}: not a readable image ({error})") from None
        target_w = max(2, int(width * layer.scale))
        target_h = max(2, int(rgba.shape[0] * target_w / rgba.shape[1]))
        resized = cv2.resize(rgba, (target_w, target_h), interpolation=cv2.INTER_AREA)
        self.sprite = Sprite(u8(resized))
        self.x, self.y = place(
            (self.sprite.width, self.sprite.height), layer.position, safe_area(width, height)
        )

    def draw(self, frame: Planes, t: float) -> None:
        self.sprite.blend(frame, self.x, self.y, self.layer.opacity)
