"""Overlay figures in the style of Tang et al. (2023) Figure 3: dashed circles on the lobes.

Drawn with Pillow alone (no matplotlib: its import alone cost ~0.35 s CPU and each PNG
~0.1 s): the frame in grey, the circles and the neck bar, a legend, a scale bar in the
bottom-left corner as on a TEM micrograph, and the title in a strip above the picture.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

from nanosinter._atomic import atomic_path
from nanosinter.analysis._segment import _bin
from nanosinter.geometry import DimerGeometry

#: Frames whose smaller side is wider than this (pixels) are binned by block means.
_MAX_DISPLAY_PX = 660
#: Smaller pictures are upscaled (nearest, integer factor) to at least this width (pixels).
_MIN_DISPLAY_PX = 400
#: Upscaling stops before the picture's longer side exceeds this (pixels).
_MAX_UPSCALED_PX = 2048
_RED = (255, 0, 0)
_LIME = (0, 255, 0)
_YELLOW = (255, 255, 0)
_WHITE = (255, 255, 255)
_DARK = (0, 0, 0)
#: At most this many pixels (about) set the grey scale's percentiles.
_PERCENTILE_SAMPLES = 1 << 16
#: Grey of the title strip and of the legend background (blended at _LEGEND_ALPHA).
_STRIP_GREY = 24
_LEGEND_ALPHA = 0.65


@functools.lru_cache(maxsize=16)
def overlay_font(size_px: int):
    """Pillow's built-in FreeType font at ``size_px`` pixels (cached: each load ~0.1 ms)."""
    from PIL import ImageFont

    return ImageFont.load_default(size=size_px)


def _font_size_px(width_px: int) -> int:
    """Text height for a picture ``width_px`` wide: 14 px at 512, between 11 and 24."""
    return int(min(24, max(11, round(0.028 * width_px))))


def _display_grey(frame: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Grey levels (uint8) of ``frame`` as shown: binned, stretched, upscaled.

    Returns the picture, the binning factor and the upscaling factor. Frames whose smaller
    side exceeds ``_MAX_DISPLAY_PX`` are binned by block means (factor rounded up, 1024 ->
    512; rows and columns past a whole block are dropped); the grey scale runs from the 0.5
    to the 99.5 percentile of the finite binned pixels, non-finite ones drawn black; small
    frames are then repeated (nearest) up to about ``_MIN_DISPLAY_PX`` wide.
    """
    img = np.asarray(frame)
    img = img.astype(np.float64 if img.dtype == np.float64 else np.float32, copy=False)
    ny, nx = img.shape
    bin_factor = max(1, -(-min(ny, nx) // _MAX_DISPLAY_PX))
    img = _bin(img, bin_factor)
    finite = np.isfinite(img)
    all_finite = bool(finite.all())
    if all_finite or finite.any():
        vals = img.ravel() if all_finite else img[finite]
        # Percentiles of at most ~2^16 pixels: every k-th one, k odd so that the sample
        # walks across columns from row to row (no aliasing with lattice fringes).
        step = -(-vals.size // _PERCENTILE_SAMPLES)
        if step > 1:
            vals = vals[::step | 1]
        lo, hi = (float(v) for v in np.percentile(vals, [0.5, 99.5]))
    else:
        lo, hi = 0.0, 1.0
    if not hi > lo:
        hi = lo + 1.0
    grey = (img - lo) * (255.0 / (hi - lo))
    if not all_finite:
        grey[~finite] = 0.0
    np.clip(grey, 0.0, 255.0, out=grey)
    grey = (grey + 0.5).astype(np.uint8)
    nyd, nxd = grey.shape
    up = max(1, -(-_MIN_DISPLAY_PX // max(nxd, 1)))
    up = max(1, min(up, _MAX_UPSCALED_PX // max(nyd, nxd, 1)))
    if up > 1:
        grey = np.repeat(np.repeat(grey, up, axis=0), up, axis=1)
    return grey, bin_factor, up


def _dashed_circle(draw, centre_px: tuple[float, float], radius_px: float, colour,
                   size_px: tuple[int, int], width_px: int = 2) -> None:
    """A dashed circle as short polylines (dash ~7 px, gap ~6 px), visible dashes only."""
    if not (radius_px > 0 and radius_px < 1e7):
        return
    cx, cy = centre_px
    period_px, on = 13.0, 7.0 / 13.0
    n = int(min(4000, max(8, round(2 * math.pi * radius_px / period_px))))
    k = int(min(16, max(2, math.ceil(2 * math.pi * radius_px * on / n / 3.0) + 1)))
    start = np.arange(n) * (2 * math.pi / n)
    ang = start[:, None] + np.linspace(0.0, on * 2 * math.pi / n, k)[None, :]
    xs, ys = cx + radius_px * np.cos(ang), cy + radius_px * np.sin(ang)
    w, h = size_px
    pad = 2 * width_px
    vis = ((xs > -pad) & (xs < w + pad) & (ys > -pad) & (ys < h + pad)).any(axis=1)
    for x, y in zip(xs[vis].tolist(), ys[vis].tolist(), strict=True):
        draw.line(list(zip(x, y, strict=True)), fill=colour, width=width_px)


def _scale_bar_nm(width_nm: float) -> float:
    """The length 1, 2 or 5 x 10^k nm closest (in ratio) to a fifth of ``width_nm``."""
    target = width_nm / 5.0
    k = math.floor(math.log10(target))
    cands = [m * 10.0 ** e for e in (k - 1, k, k + 1) for m in (1, 2, 5)]
    return min(cands, key=lambda v: abs(math.log(v / target)))


def _length_label(length_nm: float) -> str:
    if length_nm >= 1000:
        return f"{length_nm / 1000:g} µm"
    return f"{length_nm:g} nm"


def _covered(corner: tuple[int, int], box_w: int, box_h: int,
             circles: list[tuple[float, float, float]]) -> int:
    """How many of 12 x 6 points spread over a box at ``corner`` lie on or within 4 px of
    one of ``circles`` ((x, y, radius), picture pixels): what a legend there would hide."""
    gx, gy = np.meshgrid(corner[0] + np.linspace(0, box_w, 12),
                         corner[1] + np.linspace(0, box_h, 6))
    near = np.zeros(gx.shape, bool)
    for cx, cy, r in circles:
        near |= np.hypot(gx - cx, gy - cy) < r + 4.0
    return int(near.sum())


def _blend_box(pic, box: tuple[int, int, int, int], grey: int, alpha: float) -> None:
    """Darken (or lighten) ``box`` of ``pic`` towards ``grey`` with opacity ``alpha``."""
    from PIL import Image

    x0, y0, x1, y1 = (int(v) for v in box)
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, pic.width), min(y1, pic.height)
    if x1 <= x0 or y1 <= y0:
        return
    region = pic.crop((x0, y0, x1, y1))
    pic.paste(Image.blend(region, Image.new("RGB", region.size, (grey,) * 3), alpha), (x0, y0))


def write_overlay(
    frame: np.ndarray, geom: DimerGeometry | None, path: str | Path, *, pixel_size_nm: float,
    drift_px: tuple[float, float] = (0.0, 0.0), title: str = "",
) -> Path:
    """PNG of a frame with lobe 1 (red) and lobe 2 (green) dashed circles and the neck marked.

    Geometry positions are drift-corrected nm; ``drift_px`` puts them back on this frame
    (centre in frame pixels = ``xy_nm / pixel_size_nm + drift_px``, x then y; frame pixel
    ``(i, j)`` spans ``[j - 1/2, j + 1/2]`` pixels in x around its centre). The neck is drawn
    as a yellow bar across the line of centres (length 2 r) with the neck arcs' radius R in
    the legend (top right); a scale bar sits in the bottom-left corner and ``title`` in a
    strip above the picture. Large frames are binned by block means for display, small ones
    upscaled (nearest). Written atomically, as an RGB PNG (fast zlib level 1).

    Parameters
    ----------
    frame : numpy.ndarray
        The 2-D frame (any real dtype; non-finite pixels are drawn black).
    geom : DimerGeometry or None
        The geometry to draw; None draws the frame alone.
    path : str or pathlib.Path
        Where to write the PNG.
    pixel_size_nm : float
        Pixel size of ``frame`` (nm); if not a positive number, neither the geometry nor
        the scale bar is drawn.
    drift_px : tuple of float
        Drift (x, y) of this frame in pixels, added to the geometry's positions.
    title : str
        Text above the picture; none if empty.

    Returns
    -------
    pathlib.Path
        ``path``.

    References
    ----------
    .. [1] Tang et al., Nanomaterials 13, 3082 (2023), Figure 3, doi:10.3390/nano13243082.
    """
    from PIL import Image, ImageDraw

    ps_nm = float(pixel_size_nm)
    ps_ok = math.isfinite(ps_nm) and ps_nm > 0
    grey, bin_factor, up = _display_grey(frame)
    h_px, w_px = grey.shape
    pic = Image.fromarray(grey, "L").convert("RGB")
    draw = ImageDraw.Draw(pic)
    font = overlay_font(_font_size_px(w_px))
    fsize_px = font.size
    # Frame pixel coordinate u (pixel j centred on u = j) -> picture pixel coordinate
    # (pixel centres on integers): (u + 1/2) * scale - 1/2.
    scale = up / bin_factor
    dx_px, dy_px = float(drift_px[0]), float(drift_px[1])

    def to_pic(xy_nm: tuple[float, float]) -> tuple[float, float]:
        return ((xy_nm[0] / ps_nm + dx_px + 0.5) * scale - 0.5,
                (xy_nm[1] / ps_nm + dy_px + 0.5) * scale - 0.5)

    legend: list[tuple[tuple[int, int, int] | None, bool, str]] = []
    circles: list[tuple[float, float, float]] = []  # (x, y, radius) in picture pixels
    if geom is not None and ps_ok:
        for xy, r_nm, colour, name in ((geom.lobe1_xy_nm, geom.r1_nm, _RED, "r1"),
                                       (geom.lobe2_xy_nm, geom.r2_nm, _LIME, "r2")):
            if np.isfinite(r_nm) and np.isfinite(xy[0]) and np.isfinite(xy[1]):
                centre, radius = to_pic(xy), r_nm / ps_nm * scale
                _dashed_circle(draw, centre, radius, colour, pic.size)
                circles.append((*centre, radius))
                legend.append((colour, True, f"{name} = {r_nm:.2f} nm"))
        if (geom.contact and np.isfinite(geom.neck_radius_nm)
                and np.isfinite(geom.lobe2_xy_nm[0]) and np.isfinite(geom.neck_xy_nm[0])):
            (x1, y1), (x2, y2) = geom.lobe1_xy_nm, geom.lobe2_xy_nm
            d_nm = math.hypot(x2 - x1, y2 - y1) or 1.0
            vx, vy = -(y2 - y1) / d_nm, (x2 - x1) / d_nm
            nxn, nyn = geom.neck_xy_nm
            r_nm = geom.neck_radius_nm
            a = to_pic((nxn - r_nm * vx, nyn - r_nm * vy))
            b = to_pic((nxn + r_nm * vx, nyn + r_nm * vy))
            if all(abs(v) < 1e7 for v in (*a, *b)):
                draw.line([a, b], fill=_YELLOW, width=3)
            label = f"neck r = {r_nm:.2f} nm"
            if np.isfinite(geom.neck_curvature_radius_nm):
                label += f", R = {geom.neck_curvature_radius_nm:.2f} nm"
            legend.append((_YELLOW, False, label))
        elif np.isfinite(geom.gap_nm) and not geom.contact:
            legend.append((None, False, f"gap = {geom.gap_nm:.2f} nm"))

    margin_px = max(4, fsize_px // 2)
    if legend:
        line_h = round(1.4 * fsize_px)
        sample_px = round(1.8 * fsize_px)
        pad = max(3, fsize_px // 3)
        text_w = max(font.getlength(t) for _, _, t in legend)
        box_w = int(pad + sample_px + pad + text_w + pad + 1)
        box_h = int(pad + line_h * len(legend) + pad - (line_h - fsize_px) // 2)
        # The corner (top right, top left, bottom right; the scale bar has the bottom left)
        # where the legend hides the least of the circles.
        corners = [(w_px - margin_px - box_w, margin_px), (margin_px, margin_px),
                   (w_px - margin_px - box_w, h_px - margin_px - box_h)]
        x0, y0 = min(corners, key=lambda c: _covered(c, box_w, box_h, circles))
        _blend_box(pic, (x0, y0, x0 + box_w, y0 + box_h), _STRIP_GREY, _LEGEND_ALPHA)
        for k, (colour, dashed, text) in enumerate(legend):
            yc = y0 + pad + k * line_h + fsize_px // 2
            xs = x0 + pad
            if colour is not None:
                if dashed:
                    seg = sample_px * 0.4
                    for s in (0.0, sample_px - seg):
                        draw.line([(xs + s, yc), (xs + s + seg, yc)], fill=colour, width=2)
                else:
                    draw.line([(xs, yc), (xs + sample_px, yc)], fill=colour, width=3)
            draw.text((xs + sample_px + pad, yc), text, fill=_WHITE, font=font, anchor="lm")

    if ps_ok:
        nx_frame = grey.shape[1] / scale  # frame pixels shown across the picture
        bar_nm = _scale_bar_nm(nx_frame * ps_nm)
        bar_w = max(1, round(bar_nm / ps_nm * scale))
        bar_h = max(4, round(w_px / 90))
        label = _length_label(bar_nm)
        pad = max(3, fsize_px // 3)
        text_w = font.getlength(label)
        box_w = int(max(bar_w, text_w) + 2 * pad)
        box_h = int(pad + fsize_px + 3 + bar_h + pad)
        x0, y1 = margin_px, h_px - margin_px
        # A semi-opaque backing as behind the legend: the bar stays visible on a bright
        # background.
        _blend_box(pic, (x0, y1 - box_h, x0 + box_w, y1), _STRIP_GREY, _LEGEND_ALPHA)
        bx0, by1 = x0 + (box_w - bar_w) // 2, y1 - pad
        draw.rectangle((bx0, by1 - bar_h, bx0 + bar_w, by1), fill=_WHITE, outline=_DARK, width=1)
        draw.text((bx0 + bar_w / 2, by1 - bar_h - 3), label, fill=_WHITE, font=font,
                  anchor="md")

    if title:
        tfont = overlay_font(fsize_px + 1)
        strip_px = round(1.7 * tfont.size)
        out = Image.new("RGB", (w_px, h_px + strip_px), (_STRIP_GREY,) * 3)
        out.paste(pic, (0, strip_px))
        ImageDraw.Draw(out).text((w_px / 2, strip_px / 2), title, fill=_WHITE, font=tfont,
                                 anchor="mm")
        pic = out
    path = Path(path)
    # Fast zlib level (the noisy frame barely compresses at the default level 6).
    with atomic_path(path, suffix=".png") as tmp:
        pic.save(tmp, format="png", compress_level=1)
    return path
