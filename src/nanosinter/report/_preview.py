"""Animated preview of a movie with overlays, as an embeddable GIF."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Circle:
    """A circle to draw, in pixel coordinates of the original frame."""

    x_px: float
    y_px: float
    r_px: float
    color: tuple[int, int, int]
    dashed: bool = True


@dataclass(frozen=True)
class Segment:
    """A line segment to draw (e.g. the neck), in pixel coordinates of the original frame."""

    x0_px: float
    y0_px: float
    x1_px: float
    y1_px: float
    color: tuple[int, int, int]


Overlay = Circle | Segment

#: Grey levels of the preview palette (the rest of the 256 entries are overlay colours).
N_GRAYS = 64


def to_uint8(frame: np.ndarray, *, low_pct: float = 0.5, high_pct: float = 99.5) -> np.ndarray:
    """Robust contrast stretch of one frame to 8 bit (NaN-safe)."""
    f = np.asarray(frame, dtype=np.float64)
    finite = np.isfinite(f)
    if not finite.any():
        return np.zeros(f.shape, dtype=np.uint8)
    lo, hi = np.percentile(f[finite], [low_pct, high_pct])
    if hi <= lo:
        hi = lo + 1.0
    g = np.clip((np.where(finite, f, lo) - lo) / (hi - lo), 0, 1)
    return (g * 255).astype(np.uint8)


def animated_gif(
    frames: Sequence[np.ndarray],
    *,
    overlays: Callable[[int], Sequence[Overlay]] | None = None,
    labels: Sequence[str] | None = None,
    max_px: int = 360,
    min_px: int = 160,
    duration_ms: int = 250,
) -> bytes:
    """Encode frames (each 2-D) as a looping GIF, scaled to at most *max_px*, with overlays.

    ``overlays(i)`` returns the shapes to draw on frame ``i`` (original pixel coordinates).
    """
    from PIL import Image, ImageDraw

    images = []
    for i, frame in enumerate(frames):
        g = to_uint8(frame)
        ny, nx = g.shape
        # Large frames are downsampled to max_px; small ones are enlarged by a whole factor
        # (nearest neighbour, cheap for the GIF coder) only until min_px, so that the overlays
        # and the label stay legible; the browser scales the rest.
        long_side = max(ny, nx)
        if long_side > max_px:
            scale = max_px / long_side
        else:
            scale = float(max(1, -(-min_px // long_side)))
        img = Image.fromarray(g).convert("RGB")
        if scale < 1.0:
            img = img.resize((max(1, round(nx * scale)), max(1, round(ny * scale))), Image.LANCZOS)
        elif scale > 1.0:
            img = img.resize((nx * int(scale), ny * int(scale)), Image.NEAREST)
        draw = ImageDraw.Draw(img)
        for shape in overlays(i) if overlays else ():
            _draw(draw, shape, scale)
        if labels is not None:
            draw.rectangle([0, 0, 6 * len(labels[i]) + 8, 14], fill=(0, 0, 0))
            draw.text((4, 2), labels[i], fill=(255, 255, 255))
        images.append(img)
    if not images:
        raise ValueError("no frames to animate")
    # One fixed palette: N_GRAYS grey levels plus the exact overlay colours. An adaptive
    # palette would merge thin coloured lines into the greys; fewer greys keep noise cheap.
    colours = {(0, 0, 0), (255, 255, 255)}
    if overlays:
        for i in range(len(images)):
            colours.update(tuple(s.color) for s in overlays(i))
    greys = np.linspace(0, 255, N_GRAYS).round().astype(int)
    table = [(int(v), int(v), int(v)) for v in greys] + sorted(colours)[: 256 - N_GRAYS]
    pal = Image.new("P", (1, 1))
    pal.putpalette([c for rgb in table for c in rgb] + [0] * (768 - 3 * len(table)))
    images = [im.quantize(palette=pal, dither=Image.Dither.NONE) for im in images]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                   duration=duration_ms, loop=0, disposal=1)
    return buf.getvalue()


def _draw(draw, shape: Overlay, scale: float) -> None:
    if isinstance(shape, Circle):
        if not (np.isfinite(shape.x_px) and np.isfinite(shape.y_px) and np.isfinite(shape.r_px)):
            return
        # Pixel centres: original pixel i covers [i - 0.5, i + 0.5).
        x, y, r = _px(shape.x_px, scale), _px(shape.y_px, scale), shape.r_px * scale
        box = [x - r, y - r, x + r, y + r]
        if shape.dashed:
            for start in range(0, 360, 20):
                draw.arc(box, start, start + 11, fill=shape.color, width=2)
        else:
            draw.ellipse(box, outline=shape.color, width=2)
    else:
        pts = [_px(shape.x0_px, scale), _px(shape.y0_px, scale), _px(shape.x1_px, scale),
               _px(shape.y1_px, scale)]
        if all(np.isfinite(pts)):
            draw.line(pts, fill=shape.color, width=2)


def _px(coord: float, scale: float) -> float:
    return (coord + 0.5) * scale - 0.5
