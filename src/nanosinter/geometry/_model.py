"""Forward model of a dimer: two discs joined by a neck bounded by circular arcs.

This is the two-dimensional (projected) shape of the paper's Figure 3g: lobe circles of radii
r1 and r2 whose centres lie ``center_distance_nm`` apart, joined by a neck of radius r (half the
smallest width across the line of centres) whose outline on each side is an arc of radius R
tangent to both lobe circles. With no neck the two discs are simply drawn (separated by a gap,
or overlapping with a sharp cusp).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from nanosinter._validation import check_finite, check_positive
from nanosinter.errors import InputError


@dataclass(frozen=True)
class DimerShape:
    """Exact geometry of the forward model, in nm, in its own frame.

    Lobe 1 is centred at x = 0, lobe 2 at x = ``center_distance_nm`` on the x axis. The neck
    arcs (when present) are centred at ``(fillet_x_nm, +-fillet_y_nm)`` with radius
    ``neck_curvature_radius_nm`` and touch lobe 1 at x = ``tangent1_x_nm`` and lobe 2 at
    x = ``tangent2_x_nm``.
    """

    r1_nm: float
    r2_nm: float
    center_distance_nm: float
    neck_radius_nm: float
    neck_curvature_radius_nm: float
    gap_nm: float
    contact: bool
    fillet_x_nm: float = np.nan
    fillet_y_nm: float = np.nan
    tangent1_x_nm: float = np.nan
    tangent2_x_nm: float = np.nan


def dimer_shape(
    *, r1_nm: float, r2_nm: float, center_distance_nm: float, neck_radius_nm: float = 0.0
) -> DimerShape:
    """Solve the forward model's geometry (the neck arc radius R) from r1, r2, d and r.

    Parameters
    ----------
    r1_nm, r2_nm : float
        Lobe radii (> 0).
    center_distance_nm : float
        Distance between the lobe centres (> 0).
    neck_radius_nm : float
        Neck radius r, half the smallest width across the line of centres. 0 means no neck:
        two separate discs (gap = d - r1 - r2 > 0) or two overlapping discs with a cusp (then
        r is the half chord of the overlap and R = 0). A positive r must exceed that half chord
        and stay below ``min(r1, r2)``.

    Returns
    -------
    DimerShape
        With ``neck_curvature_radius_nm`` R solving, for the arc centre (xc, r + R),
        ``xc^2 + (r + R)^2 = (r1 + R)^2`` and ``(d - xc)^2 + (r + R)^2 = (r2 + R)^2``.

    Raises
    ------
    InputError
        Non-positive radii or distance, one disc inside the other, or a neck radius outside
        the allowed range.

    References
    ----------
    .. [1] Tang et al., "In Situ Sintering of CdSe/CdS Nanocrystals under Electron Beam
       Irradiation", Nanomaterials 13, 3082 (2023), Figure 3g, doi:10.3390/nano13243082.
    .. [2] G. C. Kuczynski, "Self-diffusion in sintering of metallic particles", Trans. AIME
       185, 169 (1949), doi:10.1007/BF03398331 (two-sphere neck model with a circular neck arc).
    """
    r1 = float(check_positive("r1_nm", r1_nm))
    r2 = float(check_positive("r2_nm", r2_nm))
    d = float(check_positive("center_distance_nm", center_distance_nm))
    r = float(check_positive("neck_radius_nm", neck_radius_nm, allow_zero=True))
    if d <= abs(r1 - r2):
        raise InputError(
            f"center_distance_nm={d} puts one disc inside the other (|r1 - r2| = {abs(r1 - r2)})"
        )
    gap = d - r1 - r2
    overlap_half_chord = 0.0
    if gap < 0:
        x_int = (d * d + r1 * r1 - r2 * r2) / (2 * d)
        overlap_half_chord = float(np.sqrt(max(r1 * r1 - x_int * x_int, 0.0)))
    if r == 0.0:
        if gap > 0:
            return DimerShape(r1, r2, d, np.nan, np.nan, gap, False)
        return DimerShape(r1, r2, d, overlap_half_chord, 0.0, 0.0, True)
    if r >= min(r1, r2):
        raise InputError(f"neck_radius_nm={r} must be below min(r1_nm, r2_nm)={min(r1, r2)}")
    if r <= overlap_half_chord:
        raise InputError(
            f"neck_radius_nm={r} must exceed the half chord {overlap_half_chord:.4g} nm of the "
            "overlapping discs (or be 0 for no neck)"
        )

    def xc_of(big_r: float) -> float:
        return (d * d + (r1 + big_r) ** 2 - (r2 + big_r) ** 2) / (2 * d)

    def f(big_r: float) -> float:
        return xc_of(big_r) ** 2 + (r + big_r) ** 2 - (r1 + big_r) ** 2

    # f(0) > 0 for any valid r; the physical R is the first sign change on a geometric grid
    # (for r1 != r2, f turns positive again at very large R, the unphysical second root).
    scale = max(r1, r2, d)
    grid = scale * np.logspace(-12, 6, 400)
    vals = np.array([f(g) for g in grid])
    neg = np.nonzero(vals < 0)[0]
    if vals[0] <= 0 or neg.size == 0:
        raise InputError(
            f"no neck arc joins discs r1_nm={r1}, r2_nm={r2} at center_distance_nm={d} with "
            f"neck_radius_nm={r}"
        )
    lo, hi = grid[neg[0] - 1], grid[neg[0]]
    big_r = float(brentq(f, lo, hi, xtol=1e-13 * scale, rtol=1e-14))
    xc, yc = xc_of(big_r), r + big_r
    t1 = xc * r1 / (r1 + big_r)
    t2 = d + (xc - d) * r2 / (r2 + big_r)
    return DimerShape(r1, r2, d, r, big_r, 0.0, True, xc, yc, t1, t2)


def inside_dimer(x_nm: np.ndarray, y_nm: np.ndarray, shape: DimerShape) -> np.ndarray:
    """True where the point (x, y), in the frame of ``shape``, lies inside the dimer.

    Parameters
    ----------
    x_nm, y_nm : ndarray
        Coordinates in nm (broadcast together); lobe 1 at the origin, lobe 2 on +x.
    shape : DimerShape
        From :func:`dimer_shape`.

    Returns
    -------
    ndarray of bool
    """
    x = np.asarray(x_nm, dtype=np.float64)
    y = np.asarray(y_nm, dtype=np.float64)
    d = shape.center_distance_nm
    inside = (x * x + y * y <= shape.r1_nm**2) | ((x - d) ** 2 + y * y <= shape.r2_nm**2)
    if np.isfinite(shape.fillet_x_nm):
        xc, yc, big_r = shape.fillet_x_nm, shape.fillet_y_nm, shape.neck_curvature_radius_nm
        ay = np.abs(y)
        between = (x >= shape.tangent1_x_nm) & (x <= shape.tangent2_x_nm) & (ay <= yc)
        outside_arc = (x - xc) ** 2 + (ay - yc) ** 2 >= big_r**2
        inside |= between & outside_arc
    return inside


def synthetic_dimer_mask(
    shape: tuple[int, int],
    pixel_size_nm: float,
    *,
    r1_nm: float,
    r2_nm: float,
    center_distance_nm: float,
    neck_radius_nm: float = 0.0,
    center_nm: tuple[float, float] | None = None,
    angle_deg: float = 0.0,
    supersample: int = 1,
) -> np.ndarray:
    """Rasterise the dimer forward model (two discs joined by a circular-arc neck).

    Parameters
    ----------
    shape : (ny, nx)
        Image shape in pixels.
    pixel_size_nm : float
        Pixel size in nm. Pixel ``(i, j)`` has its centre at ``x = j * pixel_size_nm``,
        ``y = i * pixel_size_nm`` (the convention of scikit-image contours).
    r1_nm, r2_nm, center_distance_nm, neck_radius_nm : float
        See :func:`dimer_shape`.
    center_nm : (x, y), optional
        Position of the midpoint between the two lobe centres; default the image centre.
    angle_deg : float
        Direction of the line of centres (lobe 1 -> lobe 2), counter-clockwise from +x in the
        (x = column, y = row) frame.
    supersample : int
        1 gives a boolean mask (pixel centre inside); ``k > 1`` gives the fraction of each
        pixel covered, from ``k x k`` sub-samples (float64 in [0, 1]).

    Returns
    -------
    ndarray, shape (ny, nx)
        bool for ``supersample=1``, else float64 coverage.

    References
    ----------
    .. [1] Tang et al., Nanomaterials 13, 3082 (2023), Figure 3g, doi:10.3390/nano13243082.
    """
    if len(shape) != 2 or min(shape) < 1:
        raise InputError(f"shape must be (ny, nx) with positive sizes, got {shape!r}")
    ps = float(check_positive("pixel_size_nm", pixel_size_nm))
    if int(supersample) != supersample or supersample < 1:
        raise InputError(f"supersample must be a positive integer, got {supersample!r}")
    geom = dimer_shape(
        r1_nm=r1_nm, r2_nm=r2_nm, center_distance_nm=center_distance_nm,
        neck_radius_nm=neck_radius_nm,
    )
    ny, nx = int(shape[0]), int(shape[1])
    if center_nm is None:
        cx, cy = (nx - 1) / 2 * ps, (ny - 1) / 2 * ps
    else:
        cx, cy = (float(v) for v in check_finite("center_nm", center_nm))
    theta = np.deg2rad(float(check_finite("angle_deg", angle_deg)))
    k = int(supersample)
    offs = (np.arange(k) + 0.5) / k - 0.5
    yy = (np.arange(ny)[:, None] + offs[None, :]).ravel() * ps
    xx = (np.arange(nx)[:, None] + offs[None, :]).ravel() * ps
    dx = xx[None, :] - cx
    dy = yy[:, None] - cy
    cos, sin = np.cos(theta), np.sin(theta)
    # Model frame: origin at lobe 1, x along the line of centres.
    xm = dx * cos + dy * sin + geom.center_distance_nm / 2
    ym = -dx * sin + dy * cos
    inside = inside_dimer(xm, ym, geom)
    if k == 1:
        return inside
    return inside.reshape(ny, k, nx, k).mean(axis=(1, 3))
