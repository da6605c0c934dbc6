"""Per-particle measurements in nm: area, equivalent diameter, fitted circle, centroid."""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import ndimage as ndi

from nanosinter.analysis._segment import Segmentation, dilate4
from nanosinter.geometry._circle import fit_circles

#: Columns of one particle row (``particles.csv`` adds ``frame``, ``time_s``, ``track_id``).
PARTICLE_COLUMNS = (
    "label", "area_nm2", "area_nm2_err", "equivalent_diameter_nm", "equivalent_diameter_nm_err",
    "x_nm", "y_nm", "x_nm_err", "y_nm_err", "circle_x_nm", "circle_y_nm", "circle_radius_nm",
    "circle_radius_nm_err", "touches_border",
)


@functools.lru_cache(maxsize=4)
def _pixel_rows_cols(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row and column index of every pixel of a ``shape`` image, flattened (read-only;
    cached: every frame of a movie has the same label grid)."""
    iy, ix = np.divmod(np.arange(shape[0] * shape[1]), shape[1])
    iy.flags.writeable = False
    ix.flags.writeable = False
    return iy, ix


def particle_outline(contrast: np.ndarray, labels: np.ndarray, label: int, level: float,
                     sl: tuple[slice, slice]) -> np.ndarray | None:
    """Sub-pixel outline (x, y in pixels) of one particle at the contrast level, or None."""
    from skimage.measure import find_contours

    pad = 2
    r0, r1 = max(sl[0].start - pad, 0), min(sl[0].stop + pad, labels.shape[0])
    c0, c1 = max(sl[1].start - pad, 0), min(sl[1].stop + pad, labels.shape[1])
    own = labels[r0:r1, c0:c1] == label
    grown = dilate4(own)
    # Marching squares needs finite values: pixels outside the (grown) particle and
    # non-finite ones sit below the level; one pixel of padding all round. One float64
    # array filled in place (no -inf intermediate, no separate pad copy).
    crop = np.full((r1 - r0 + 2, c1 - c0 + 2), level - 1.0)
    inner = crop[1:-1, 1:-1]
    inner[grown] = contrast[r0:r1, c0:c1][grown]
    inner[~np.isfinite(inner)] = level - 1.0
    cs = find_contours(crop, level)
    if not cs:
        return None
    c = max(cs, key=len)
    return np.column_stack([c[:, 1] + c0 - 1, c[:, 0] + r0 - 1])


def measure_particles(
    seg: Segmentation, pixel_size_nm: float, *, drift_px: tuple[float, float] = (0.0, 0.0),
    with_outlines: bool = False,
) -> tuple[list[dict], dict[int, np.ndarray]]:
    """Measure every labelled particle of a frame.

    Parameters
    ----------
    seg : Segmentation
    pixel_size_nm : float
    drift_px : (dx, dy), keyword-only
        Drift of this frame; positions are reported drift-corrected (in the first frame's
        coordinates), so a particle at rest keeps its coordinates.
    with_outlines : bool, keyword-only
        Also return the outlines (pixels, frame coordinates) by label.

    Returns
    -------
    rows : list of dict
        One per particle with the ``PARTICLE_COLUMNS``. ``area_nm2_err`` assumes an outline
        uncertainty of half a pixel along the perimeter; the circle is a geometric
        least-squares fit to the sub-pixel outline at the segmentation level (Gander et al.
        1994, doi:10.1007/BF01934268).
    outlines : dict label -> (n, 2) array
        In full-resolution frame pixels (x, y), not drift-corrected.

    References
    ----------
    .. [1] W. Gander, G. H. Golub, R. Strebel, BIT 34, 558 (1994), doi:10.1007/BF01934268.
    """
    b = int(getattr(seg, "bin_factor", 1))
    ps = float(pixel_size_nm) * b  # size of a label pixel
    labels = seg.labels
    n = seg.n
    rows: list[dict] = []
    outlines: dict[int, np.ndarray] = {}
    if n == 0:
        return rows, outlines
    flat = labels.ravel()
    areas = np.bincount(flat, minlength=n + 1)[1:].astype(np.float64)
    iy, ix = _pixel_rows_cols(labels.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        cy = np.bincount(flat, weights=iy, minlength=n + 1)[1:] / areas
        cx = np.bincount(flat, weights=ix, minlength=n + 1)[1:] / areas
    slices = ndi.find_objects(labels)
    ny, nx = labels.shape
    # Label-grid pixel (i, j) covers frame pixels b*i .. b*i + b - 1: centre b*i + (b - 1)/2.
    off = (b - 1) / 2.0
    dx, dy = drift_px[0] / b, drift_px[1] / b
    cx = cx + off / b
    cy = cy + off / b
    fit_at: list[tuple[dict, np.ndarray]] = []
    for k, sl in enumerate(slices, start=1):
        if sl is None:
            continue
        area_px = float(areas[k - 1])
        border = sl[0].start == 0 or sl[1].start == 0 or sl[0].stop == ny or sl[1].stop == nx
        eqd_px = 2.0 * math.sqrt(area_px / math.pi)
        perim_px = math.pi * eqd_px
        area_err_px = 0.5 * perim_px
        row = {
            "label": k,
            "area_nm2": area_px * ps * ps,
            "area_nm2_err": area_err_px * ps * ps,
            "equivalent_diameter_nm": eqd_px * ps,
            "equivalent_diameter_nm_err": (area_err_px / (math.pi * max(eqd_px, 1e-9) / 2))
            * ps / 1.0,
            "x_nm": (float(cx[k - 1]) - dx) * ps,
            "y_nm": (float(cy[k - 1]) - dy) * ps,
            "x_nm_err": 0.5 * ps / math.sqrt(max(perim_px, 1.0)),
            "y_nm_err": 0.5 * ps / math.sqrt(max(perim_px, 1.0)),
            "circle_x_nm": math.nan,
            "circle_y_nm": math.nan,
            "circle_radius_nm": math.nan,
            "circle_radius_nm_err": math.nan,
            "touches_border": int(border),
        }
        out = particle_outline(seg.contrast, labels, k, seg.level, sl)
        if out is not None and len(out) >= 6:
            fit_at.append((row, out))
            if with_outlines:
                outlines[k] = out * b + off
        rows.append(row)
    # The circles of all particles in one batch (geometry.fit_circles: fit_circle's fits).
    fits = fit_circles([o[:, 0] for _, o in fit_at], [o[:, 1] for _, o in fit_at],
                       correlation_length=3.0, n_iter=3)
    for (row, _), f in zip(fit_at, fits, strict=True):
        if f is not None:
            row.update(
                circle_x_nm=(f.x + off / b - dx) * ps, circle_y_nm=(f.y + off / b - dy) * ps,
                circle_radius_nm=f.radius * ps,
                circle_radius_nm_err=math.hypot(f.radius_err, 0.05) * ps,
            )
    return rows, outlines


def shift_rows(rows: list[dict], dx_nm: float, dy_nm: float) -> list[dict]:
    """Particle rows with positions moved by ``(-dx_nm, -dy_nm)`` (drift correction).

    ``measure_particles(..., drift_px=d)`` equals ``shift_rows(measure_particles(...),
    d[0] * ps, d[1] * ps)``; the pipeline measures without the drift (in a worker process,
    before the drift is known) and corrects afterwards.
    """
    out = []
    for r in rows:
        r = dict(r)
        for kx, ky in (("x_nm", "y_nm"), ("circle_x_nm", "circle_y_nm")):
            r[kx] = r[kx] - dx_nm
            r[ky] = r[ky] - dy_nm
        out.append(r)
    return out
