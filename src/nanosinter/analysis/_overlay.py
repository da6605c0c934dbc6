"""Overlay figures in the style of Tang et al. (2023) Figure 3: dashed circles on the lobes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from nanosinter._atomic import atomic_path
from nanosinter.geometry import DimerGeometry


def write_overlay(
    frame: np.ndarray, geom: DimerGeometry | None, path: str | Path, *, pixel_size_nm: float,
    drift_px: tuple[float, float] = (0.0, 0.0), title: str = "",
) -> Path:
    """PNG of a frame with lobe 1 (red) and lobe 2 (green) dashed circles and the neck marked.

    Geometry positions are drift-corrected nm; ``drift_px`` puts them back on this frame.
    The neck is drawn as a yellow bar across the line of centres (length 2 r) with the neck
    arcs' radius R in the legend. Written atomically.

    References
    ----------
    .. [1] Tang et al., Nanomaterials 13, 3082 (2023), Figure 3, doi:10.3390/nano13243082.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle

    ps = float(pixel_size_nm)
    img = np.asarray(frame, dtype=np.float64)
    ny, nx = img.shape
    # The axes are ~540 pixels wide: frames wider than ~660 pixels are binned for display
    # (block means, rounded up: 1024 -> 512; the circles are drawn in nm, so the geometry is
    # unaffected), which makes the PNG ~4x cheaper to render than resampling every pixel.
    disp = img
    fb = max(1, -(-min(ny, nx) // 660))
    if fb > 1:
        h, w = ny // fb * fb, nx // fb * fb
        disp = img[:h, :w].reshape(h // fb, fb, w // fb, fb).mean(axis=(1, 3))
        ny_d, nx_d = disp.shape
    else:
        ny_d, nx_d = ny, nx
    img = disp
    finite = np.isfinite(img)
    lo, hi = (np.percentile(img[finite], [0.5, 99.5]) if finite.any() else (0.0, 1.0))
    fig = Figure(figsize=(6, 6 * ny / max(nx, 1) + 0.4), dpi=110)
    ax = fig.add_subplot(111)
    ext = (-0.5 * ps, (nx_d * fb - 0.5) * ps, (ny_d * fb - 0.5) * ps, -0.5 * ps)
    ax.imshow(np.where(finite, img, lo), cmap="gray", vmin=lo, vmax=hi if hi > lo else lo + 1,
              extent=ext, interpolation="nearest")
    dx, dy = drift_px[0] * ps, drift_px[1] * ps
    if geom is not None:
        for (xy, r, colour, name) in (
            (geom.lobe1_xy_nm, geom.r1_nm, "red", "r1"),
            (geom.lobe2_xy_nm, geom.r2_nm, "lime", "r2"),
        ):
            if np.isfinite(r) and np.isfinite(xy[0]):
                ax.add_patch(Circle((xy[0] + dx, xy[1] + dy), r, fill=False, ls="--", lw=1.5,
                                    ec=colour, label=f"{name} = {r:.2f} nm"))
        if geom.contact and np.isfinite(geom.neck_radius_nm) and np.isfinite(geom.lobe2_xy_nm[0]):
            (x1, y1), (x2, y2) = geom.lobe1_xy_nm, geom.lobe2_xy_nm
            d = math.hypot(x2 - x1, y2 - y1) or 1.0
            vx, vy = -(y2 - y1) / d, (x2 - x1) / d
            nx_, ny_ = geom.neck_xy_nm
            r = geom.neck_radius_nm
            label = f"neck r = {r:.2f} nm"
            if np.isfinite(geom.neck_curvature_radius_nm):
                label += f", R = {geom.neck_curvature_radius_nm:.2f} nm"
            ax.plot([nx_ - r * vx + dx, nx_ + r * vx + dx], [ny_ - r * vy + dy, ny_ + r * vy + dy],
                    color="yellow", lw=2, label=label)
        elif np.isfinite(geom.gap_nm) and not geom.contact:
            ax.plot([], [], " ", label=f"gap = {geom.gap_nm:.2f} nm")
        ax.legend(loc="upper right", fontsize=8, framealpha=0.7)
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    if title:
        ax.set_title(title, fontsize=9)
    # Fixed margins (inches) instead of tight_layout, which draws the tick labels once more
    # only to measure them (a third of the PNG's time): room for 4-digit nm ticks.
    w_in, h_in = fig.get_size_inches()
    fig.subplots_adjust(left=0.75 / w_in, right=1 - 0.15 / w_in, bottom=0.6 / h_in,
                        top=1 - 0.35 / h_in)
    path = Path(path)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    # An opaque figure: written as RGB (a quarter less to compress than savefig's RGBA),
    # fast zlib level (the noisy frame barely compresses at the default level 6).
    rgb = np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[..., :3])
    with atomic_path(path, suffix=".png") as tmp:
        Image.fromarray(rgb, "RGB").save(tmp, format="png", compress_level=1)
    return path
