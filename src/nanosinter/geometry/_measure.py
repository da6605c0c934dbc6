"""Measure the dimer geometry (r1, r2, neck radius r, neck curvature radius R, gap) of a mask."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import ndimage as ndi
from scipy.signal import find_peaks
from scipy.spatial import cKDTree

from nanosinter._validation import check_positive
from nanosinter.errors import AnalysisError, InputError
from nanosinter.geometry._circle import CircleFit, fit_circle

#: Column names of :meth:`DimerGeometry.as_dict`, in order (shared with the KMC observables and
#: the analysis ``dimer.csv``).
GEOMETRY_COLUMNS = (
    "r1_nm",
    "r2_nm",
    "neck_radius_nm",
    "neck_curvature_radius_nm",
    "center_distance_nm",
    "gap_nm",
    "contact",
    "volume_nm3",
)
_MEASURED = tuple(c for c in GEOMETRY_COLUMNS if c != "contact")


@dataclass(frozen=True)
class DimerGeometry:
    """Geometry of a dimer (or of one particle) in a 2-D projection; lengths in nm.

    ``r1``/``r2`` are the radii of the circles fitted to the outlines of lobe 1 and lobe 2 away
    from the neck; lobe 1 is the one with the smaller x (column) centre unless lobe hints were
    given. ``neck_radius_nm`` is half the smallest width across the line of centres between the
    centres; ``neck_curvature_radius_nm`` the mean radius of the circles fitted to the concave
    outline at the neck on both sides; ``gap_nm`` the smallest surface-to-surface distance
    (0 once in contact); ``contact`` is True when the two lobes are one connected body.
    ``volume_nm3`` is the volume of the solid of revolution of the outline about the line of
    centres (spheres plus neck). Quantities that are undefined are NaN (neck before contact,
    the second lobe of a single particle). Every ``*_err`` is a one-sigma uncertainty.
    ``flag`` is empty for a clean measurement and otherwise says what is doubtful.
    """

    r1_nm: float = math.nan
    r2_nm: float = math.nan
    neck_radius_nm: float = math.nan
    neck_curvature_radius_nm: float = math.nan
    center_distance_nm: float = math.nan
    gap_nm: float = math.nan
    contact: bool = False
    volume_nm3: float = math.nan
    r1_nm_err: float = math.nan
    r2_nm_err: float = math.nan
    neck_radius_nm_err: float = math.nan
    neck_curvature_radius_nm_err: float = math.nan
    center_distance_nm_err: float = math.nan
    gap_nm_err: float = math.nan
    volume_nm3_err: float = math.nan
    n_bodies: int = 0
    lobe1_xy_nm: tuple[float, float] = (math.nan, math.nan)
    lobe2_xy_nm: tuple[float, float] = (math.nan, math.nan)
    neck_xy_nm: tuple[float, float] = (math.nan, math.nan)
    neck_curvature_radii_nm: tuple[float, float] = (math.nan, math.nan)
    flag: str = ""
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    def as_dict(self, *, errors: bool = True) -> dict[str, float | int]:
        """The contract columns (``GEOMETRY_COLUMNS``), then ``<col>_err`` if ``errors``.

        ``contact`` is written as 0/1 as in ``observables.csv``.
        """
        out: dict[str, float | int] = {}
        for c in GEOMETRY_COLUMNS:
            v = getattr(self, c)
            out[c] = int(bool(v)) if c == "contact" else float(v)
        if errors:
            for c in _MEASURED:
                out[f"{c}_err"] = float(getattr(self, f"{c}_err"))
        return out

    def replace(self, **changes) -> DimerGeometry:
        d = asdict(self)
        d.update(changes)
        return DimerGeometry(**d)


def measure_dimer_mask(
    mask: np.ndarray,
    pixel_size_nm: float,
    *,
    smooth_sigma_px: float = 1.0,
    min_area_px: int = 12,
    lobe_hints_nm: tuple[tuple[float, float], tuple[float, float]] | None = None,
    n_iter: int = 4,
) -> DimerGeometry:
    """Measure r1, r2, neck radius, neck curvature radius, centre distance and gap of a dimer.

    Parameters
    ----------
    mask : ndarray, shape (ny, nx)
        Boolean mask of one or two particles, or the fraction of each pixel covered (float in
        [0, 1]); the outline is the 0.5 level. Pixel ``(i, j)`` is centred at
        ``(x, y) = (j, i) * pixel_size_nm``.
    pixel_size_nm : float
        Pixel size in nm.
    smooth_sigma_px : float, keyword-only
        Gaussian smoothing (pixels) before the sub-pixel outline is traced; it removes the
        staircase of a binary mask while moving the 0.5 level of an outline of curvature radius
        rho by only about ``sigma**2 / (2 rho)``. 0 disables it.
    min_area_px : int, keyword-only
        Bodies smaller than this are ignored as specks.
    lobe_hints_nm : ((x1, y1), (x2, y2)), optional
        Approximate lobe centres (e.g. from the previous frame); the lobe nearer the first hint
        is called lobe 1. Default: lobe 1 has the smaller x.
    n_iter : int, keyword-only
        Iterations of the split / circle-fit / neck refinement for a necked body.

    Returns
    -------
    DimerGeometry

    Raises
    ------
    InputError
        Mask not 2-D, not finite, or outside [0, 1].
    AnalysisError
        No body of at least ``min_area_px`` pixels.

    Notes
    -----
    Two bodies: each outline is fitted by a circle; the gap is the smallest distance between the
    two outlines. One body: the width profile across the principal axis gives a first split at
    its narrowest point between the two widest; then, iterating, each lobe is fitted by a
    circle using only the outline beyond the neck arcs (angle from the line of centres larger
    than the arc's tangent angle plus 10 degrees, at least 60), the line of centres is re-drawn,
    the neck radius is half the smallest width between the centres, and each concave neck arc
    (outline points between the centres lying outside both lobe circles) is fitted by a circle.
    A body with no narrowing between two width maxima is reported as one particle (r1 from a
    circle fit to its whole outline, ``flag`` says so).

    References
    ----------
    .. [1] Tang et al., Nanomaterials 13, 3082 (2023), Figure 3g (r1, r2, r, R drawn by hand),
       doi:10.3390/nano13243082.
    .. [2] W. E. Lorensen, H. E. Cline, "Marching cubes", SIGGRAPH Comput. Graph. 21, 163
       (1987), doi:10.1145/37402.37422 (sub-pixel outlines via skimage.measure.find_contours).
    .. [3] W. Gander, G. H. Golub, R. Strebel, BIT 34, 558 (1994), doi:10.1007/BF01934268.
    """
    img = _as_coverage(mask)
    ps = float(check_positive("pixel_size_nm", pixel_size_nm))
    sigma = float(check_positive("smooth_sigma_px", smooth_sigma_px, allow_zero=True))
    binary = img >= 0.5
    labels, n = ndi.label(binary, structure=np.ones((3, 3), bool))
    if n == 0:
        raise AnalysisError("mask contains no particle (no pixel at or above 0.5)")
    areas = np.bincount(labels.ravel())[1:]
    order = np.argsort(areas)[::-1]
    keep = [int(k) + 1 for k in order if areas[k] >= min_area_px]
    if not keep:
        raise AnalysisError(
            f"mask contains no particle of at least min_area_px={min_area_px} pixels "
            f"(largest has {int(areas.max())})"
        )
    flags: list[str] = []
    if len(keep) > 2:
        flags.append(f"{len(keep)} bodies; measured the two largest")
    keep = keep[:2]
    border = np.zeros_like(binary)
    border[0, :] = border[-1, :] = border[:, 0] = border[:, -1] = True
    if any(np.any(labels[border] == k) for k in keep):
        flags.append("touches the image border")
    slices = ndi.find_objects(labels)
    outlines = [_outline(img, labels, k, sigma, slices[k - 1]) * ps for k in keep]
    corr = max(1.0, 2.0 * sigma + 1.0)
    if len(keep) == 2:
        geom = _measure_two(outlines, ps, corr)
    else:
        geom = _measure_one(outlines[0], ps, corr, n_iter)
    if np.isfinite(geom.r2_nm):
        if lobe_hints_nm is None:
            if geom.lobe2_xy_nm[0] < geom.lobe1_xy_nm[0]:
                geom = _order_by_hints(geom, (geom.lobe2_xy_nm, geom.lobe1_xy_nm))
        else:
            geom = _order_by_hints(geom, lobe_hints_nm)
    if flags:
        geom = geom.replace(flag="; ".join(f for f in [geom.flag, *flags] if f))
    return geom


# --------------------------------------------------------------------------------------------
def _as_coverage(mask: np.ndarray) -> np.ndarray:
    arr = np.asarray(mask)
    if arr.ndim != 2:
        raise InputError(f"mask must be a 2-D array, got shape {arr.shape}")
    if arr.dtype == bool:
        return arr.astype(np.float64)
    if not np.issubdtype(arr.dtype, np.number):
        raise InputError(f"mask must be boolean or numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise InputError("mask must be finite (it contains NaN or infinity)")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise InputError(
            f"mask must be boolean or a coverage in [0, 1], got values in "
            f"[{arr.min():.4g}, {arr.max():.4g}]"
        )
    return arr


def _outline(img: np.ndarray, labels: np.ndarray, k: int, sigma: float,
             sl: tuple[slice, slice] | None = None) -> np.ndarray:
    """Closed sub-pixel outline (x, y in pixels) of body ``k``, as an (n, 2) array
    (``sl``: its bounding box, ``ndi.find_objects(labels)[k - 1]``)."""
    from skimage.measure import find_contours
    from skimage.segmentation import expand_labels

    pad = math.ceil(3 * sigma) + 2
    if sl is None:
        sl = ndi.find_objects((labels == k).astype(np.int8))[0]
    r0, r1 = max(sl[0].start - pad, 0), min(sl[0].stop + pad, img.shape[0])
    c0, c1 = max(sl[1].start - pad, 0), min(sl[1].stop + pad, img.shape[1])
    crop = labels[r0:r1, c0:c1]
    own = crop == k
    if np.array_equal(own, crop > 0):
        # No other body in the crop: expand_labels(crop, 2) == k is the set of pixels
        # within a Euclidean distance of 2 of the body (offsets with dy^2 + dx^2 <= 4),
        # without its distance transform.
        mine = _dilate_disk2(own)
    else:
        mine = expand_labels(crop, distance=2) == k
    part = np.where(mine, img[r0:r1, c0:c1], 0.0)
    # Pad with zeros so that a body cut by the image border still gives a closed outline.
    part = np.pad(part, pad)
    if sigma > 0:
        part = ndi.gaussian_filter(part, sigma, mode="constant")
    contours = find_contours(part, 0.5)
    if not contours:
        raise AnalysisError(f"body {k} has no outline at the 0.5 level after smoothing")
    c = max(contours, key=len)
    rows = c[:, 0] + r0 - pad
    cols = c[:, 1] + c0 - pad
    return np.column_stack([cols, rows])


def _dilate_disk2(mask: np.ndarray) -> np.ndarray:
    """``mask`` grown by every offset of Euclidean length <= 2 (13 offsets), zero outside."""
    out = mask.copy()
    ny, nx = mask.shape
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            if (dy or dx) and dy * dy + dx * dx <= 4:
                ys, yd = ((slice(0, ny - dy), slice(dy, ny)) if dy >= 0
                          else (slice(-dy, ny), slice(0, ny + dy)))
                xs, xd = ((slice(0, nx - dx), slice(dx, nx)) if dx >= 0
                          else (slice(-dx, nx), slice(0, nx + dx)))
                out[yd, xd] |= mask[ys, xs]
    return out


def _edge_sigma(fits: list[CircleFit], ps: float) -> float:
    """Outline roughness (nm): rms circle-fit residual, at least 0.1 pixel."""
    rms = [f.rms for f in fits if np.isfinite(f.rms)]
    return max(float(np.mean(rms)) if rms else 0.0, 0.1 * ps)


def _radius_err(fit: CircleFit, ps: float) -> float:
    # Floor: a sub-pixel outline places a radius to no better than ~0.05 pixel.
    return float(np.hypot(fit.radius_err, 0.05 * ps))


def _volume_two(fits: list[CircleFit]) -> tuple[float, float]:
    v = sum(4.0 / 3.0 * np.pi * f.radius**3 for f in fits)
    err = np.sqrt(sum((4 * np.pi * f.radius**2 * f.radius_err) ** 2 for f in fits))
    return float(v), float(err)


def _measure_two(outlines: list[np.ndarray], ps: float, corr: float) -> DimerGeometry:
    fits = [fit_circle(o[:, 0], o[:, 1], correlation_length=corr) for o in outlines]
    if fits[1].x < fits[0].x:
        fits, outlines = fits[::-1], outlines[::-1]
    f1, f2 = fits
    dist, _ = cKDTree(outlines[0]).query(outlines[1])
    gap = float(dist.min())
    sig = _edge_sigma(fits, ps)
    dx, dy = f2.x - f1.x, f2.y - f1.y
    d = float(np.hypot(dx, dy))
    ux, uy = (dx / d, dy / d) if d > 0 else (1.0, 0.0)
    d_err = float(
        np.sqrt(ux**2 * (f1.x_err**2 + f2.x_err**2) + uy**2 * (f1.y_err**2 + f2.y_err**2))
    )
    vol, vol_err = _volume_two(fits)
    return DimerGeometry(
        r1_nm=f1.radius,
        r2_nm=f2.radius,
        center_distance_nm=d,
        gap_nm=gap,
        contact=False,
        volume_nm3=vol,
        r1_nm_err=_radius_err(f1, ps),
        r2_nm_err=_radius_err(f2, ps),
        center_distance_nm_err=d_err,
        gap_nm_err=float(np.sqrt(2.0) * sig),
        volume_nm3_err=vol_err,
        n_bodies=2,
        lobe1_xy_nm=(f1.x, f1.y),
        lobe2_xy_nm=(f2.x, f2.y),
    )


def _profile(
    outline: np.ndarray, origin: np.ndarray, u: np.ndarray, s_grid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower outline ``t`` (across ``u``) at each ``s`` (along ``u``) of a closed outline.

    NaN where the line ``s = const`` does not cross the outline.
    """
    v = np.array([-u[1], u[0]])
    rel = outline - origin
    s = rel @ u
    t = rel @ v
    s0, s1 = s, np.roll(s, -1)
    t0, t1 = t, np.roll(t, -1)
    top = np.full(s_grid.shape, -np.inf)
    bot = np.full(s_grid.shape, np.inf)
    grid = np.asarray(s_grid, dtype=np.float64)
    if grid.size > 1 and not np.all(grid[1:] >= grid[:-1]):
        order = np.argsort(grid, kind="stable")
        t_o, b_o = _profile(outline, origin, u, grid[order])
        top[order], bot[order] = t_o, b_o
        return top, bot
    # Segment (s0, t0) -> (s1, t1) crosses the lines s = g with min(s0, s1) <= g <=
    # max(s0, s1) (the sign test (s0 - g)(s1 - g) <= 0): a contiguous run of the sorted
    # grid, so only those (segment, line) pairs are evaluated (a few per line, instead of
    # every segment against every line).
    moving = s0 != s1
    seg = np.flatnonzero(moving)
    lo = np.minimum(s0[seg], s1[seg])
    hi = np.maximum(s0[seg], s1[seg])
    first = np.searchsorted(grid, lo, side="left")
    count = np.searchsorted(grid, hi, side="right") - first
    total = int(count.sum())
    if total:
        which = np.repeat(np.arange(seg.size), count)
        starts = np.cumsum(count) - count
        gi = first[which] + (np.arange(total) - starts[which])
        k = seg[which]
        g = grid[gi]
        tc = t0[k] + (g - s0[k]) / (s1[k] - s0[k]) * (t1[k] - t0[k])
        np.maximum.at(top, gi, tc)
        np.minimum.at(bot, gi, tc)
    bad = ~np.isfinite(top) | ~np.isfinite(bot)
    top[bad] = np.nan
    bot[bad] = np.nan
    return top, bot


def _volume_of_revolution(outline: np.ndarray, origin, u, ps: float) -> float:
    rel = outline - origin
    s = rel @ u
    step = 0.25 * ps
    grid = np.arange(s.min(), s.max() + step, step)
    top, bot = _profile(outline, origin, u, grid)
    half = np.nan_to_num((top - bot) / 2.0)
    return float(np.pi * np.sum(half * half) * step)


def _single(outline: np.ndarray, ps: float, corr: float, why: str) -> DimerGeometry:
    f = fit_circle(outline[:, 0], outline[:, 1], correlation_length=corr)
    vol, vol_err = _volume_two([f])
    return DimerGeometry(
        r1_nm=f.radius,
        r1_nm_err=_radius_err(f, ps),
        volume_nm3=vol,
        volume_nm3_err=vol_err,
        n_bodies=1,
        lobe1_xy_nm=(f.x, f.y),
        flag=why,
    )


def _fit_lobe(pts: np.ndarray, toward: np.ndarray, centre: np.ndarray, min_angle_deg: float,
              corr: float) -> CircleFit:
    """Circle fit to the points whose angle from ``toward`` (seen from ``centre``) is large."""
    rel = pts - centre
    cosang = (rel @ toward) / np.maximum(np.hypot(rel[:, 0], rel[:, 1]), 1e-300)
    sel = cosang <= np.cos(np.deg2rad(min_angle_deg))
    if sel.sum() < 8:
        sel = np.ones(len(pts), bool)
    return fit_circle(pts[sel, 0], pts[sel, 1], correlation_length=corr)


def _measure_one(outline: np.ndarray, ps: float, corr: float, n_iter: int) -> DimerGeometry:
    # Principal axis of the outline polygon (area moments would do as well).
    centre = outline.mean(axis=0)
    cov = np.cov((outline - centre).T)
    evals, evecs = np.linalg.eigh(cov)
    u = evecs[:, int(np.argmax(evals))]
    rel_s = (outline - centre) @ u
    step = 0.25 * ps
    grid = np.arange(rel_s.min() + step, rel_s.max(), step)
    if grid.size < 8:
        return _single(outline, ps, corr, "one particle too small to look for a neck")
    top, bot = _profile(outline, centre, u, grid)
    width = np.nan_to_num(top - bot)
    prom = max(0.5 * ps, 0.02 * width.max())
    peaks, _ = find_peaks(width, prominence=prom)
    # The widest lobe, then the widest other maximum with a real narrowing in between (a
    # binary outline's staircase can split one flat maximum into two).
    pa = int(peaks[np.argmax(width[peaks])]) if len(peaks) else -1
    partners = [
        int(p) for p in peaks
        if p != pa and width[min(p, pa) : max(p, pa) + 1].min() < min(width[p], width[pa]) - prom
    ]
    if not partners:
        return _single(outline, ps, corr, "one particle (no neck between two lobes)")
    pb = max(partners, key=lambda p: width[p])
    p1, p2 = sorted((pa, pb))
    # First guesses: lobe centres at the two width maxima, radii half those widths.
    v = np.array([-u[1], u[0]])
    guesses = []
    for p in (p1, p2):
        c = centre + grid[p] * u + 0.5 * (top[p] + bot[p]) * v
        guesses.append(CircleFit(c[0], c[1], width[p] / 2, 0.0, 0.0, 0.0, 0.0, 0))
    f1, f2 = guesses
    ang1 = ang2 = 90.0
    for _ in range(max(n_iter, 1)):
        c1, u, d = _axis(f1, f2)
        neck = _neck(outline, c1, u, d, ps)
        if neck is None:
            return _single(outline, ps, corr, "one particle (no narrowing between the centres)")
        s_all = (outline - c1) @ u
        f1 = _fit_lobe(outline[s_all < neck[0]], u, c1, ang1, corr)
        f2 = _fit_lobe(outline[s_all > neck[0]], -u, c1 + d * u, ang2, corr)
        c1, u, d = _axis(f1, f2)
        neck = _neck(outline, c1, u, d, ps)
        if neck is None:
            return _single(outline, ps, corr, "one particle (no narrowing between the centres)")
        s_n, r_n, t_mid = neck
        arcs = _neck_arcs(outline, f1, f2, c1, u, d, ps, corr, _edge_sigma([f1, f2], ps))
        radii_ok = [a.radius for a in arcs if a is not None]
        if radii_ok:
            big_r = float(np.mean(radii_ok))
            ang1 = float(np.clip(np.degrees(np.arctan2(r_n + big_r, s_n)) + 10.0, 60.0, 150.0))
            ang2 = float(np.clip(np.degrees(np.arctan2(r_n + big_r, d - s_n)) + 10.0, 60.0, 150.0))
    sig = _edge_sigma([f1, f2], ps)
    v = np.array([-u[1], u[0]])
    neck_xy = c1 + s_n * u + t_mid * v
    radii = tuple(a.radius if a is not None else math.nan for a in arcs)
    good = [a for a in arcs if a is not None]
    flag = ""
    if good:
        big_r = float(np.mean([a.radius for a in good]))
        spread = abs(good[0].radius - good[-1].radius) / 2.0 if len(good) == 2 else 0.0
        fit_err = float(np.sqrt(np.mean([a.radius_err**2 for a in good])))
        big_r_err = float(np.hypot(spread, fit_err / np.sqrt(len(good))))
        if len(good) == 1:
            flag = "neck curvature from one side only"
            big_r_err = float(np.hypot(big_r_err, 0.25 * big_r))
    else:
        big_r, big_r_err = math.nan, math.nan
        flag = "no concave neck outline to fit a curvature radius"
    vol = _volume_of_revolution(outline, c1, u, ps)
    _, vol_err_l = _volume_two([f1, f2])
    d_err = float(np.sqrt(u[0] ** 2 * (f1.x_err**2 + f2.x_err**2)
                          + u[1] ** 2 * (f1.y_err**2 + f2.y_err**2)))
    return DimerGeometry(
        r1_nm=f1.radius,
        r2_nm=f2.radius,
        neck_radius_nm=r_n,
        neck_curvature_radius_nm=big_r,
        center_distance_nm=d,
        gap_nm=0.0,
        contact=True,
        volume_nm3=vol,
        r1_nm_err=_radius_err(f1, ps),
        r2_nm_err=_radius_err(f2, ps),
        neck_radius_nm_err=float(sig / np.sqrt(2.0)),
        neck_curvature_radius_nm_err=big_r_err,
        center_distance_nm_err=d_err,
        gap_nm_err=0.0,
        volume_nm3_err=float(np.hypot(vol_err_l, 2 * np.pi * r_n**2 * sig)),
        n_bodies=1,
        lobe1_xy_nm=(f1.x, f1.y),
        lobe2_xy_nm=(f2.x, f2.y),
        neck_xy_nm=(float(neck_xy[0]), float(neck_xy[1])),
        neck_curvature_radii_nm=(float(radii[0]), float(radii[1])),
        flag=flag,
    )


def _axis(f1: CircleFit, f2: CircleFit) -> tuple[np.ndarray, np.ndarray, float]:
    c1, c2 = np.array([f1.x, f1.y]), np.array([f2.x, f2.y])
    d = float(np.hypot(*(c2 - c1)))
    if d <= 0:
        return c1, np.array([1.0, 0.0]), 0.0
    return c1, (c2 - c1) / d, d


def _neck(outline: np.ndarray, c1: np.ndarray, u: np.ndarray, d: float, ps: float):
    """(s, half width, mid t) of the narrowest cross-section strictly between the centres."""
    if d <= 2 * ps:
        return None
    # Both centres must lie within the body: a lobe fit on a short, nearly straight arc can
    # run away (centre far outside), and then there is no neck between them to look for.
    extent = float(np.hypot(*np.ptp(outline, axis=0)))
    if not np.isfinite(d) or d > extent:
        return None
    coarse = np.arange(0.0, d, 0.5 * ps)
    top, bot = _profile(outline, c1, u, coarse)
    w = top - bot
    if not np.any(np.isfinite(w)):
        return None
    i = int(np.nanargmin(w))
    # A minimum at either centre means the body does not narrow between them.
    if i <= 1 or i >= len(coarse) - 2:
        return None
    fine = np.arange(coarse[i] - 1.0 * ps, coarse[i] + 1.0 * ps, 0.02 * ps)
    top_f, bot_f = _profile(outline, c1, u, fine)
    w_f = top_f - bot_f
    j = int(np.nanargmin(w_f))
    return float(fine[j]), float(w_f[j] / 2.0), float((top_f[j] + bot_f[j]) / 2.0)


def _neck_arcs(outline, f1, f2, c1, u, d, ps, corr, sig):
    """Fit the concave neck outline on each side by an arc tangent to both lobe circles.

    For an arc radius R the arc centre is fixed by tangency, ``|C - c1| = r1 + R`` and
    ``|C - c2| = r2 + R`` (the construction of Figure 3g), so R is a one-parameter least-squares
    fit to the outline points lying between the two tangent points. This is far better
    conditioned than a free circle fit to the short, shallow arc of an early neck, whose sag
    over the arc is often below one pixel. Returns one ``_Arc`` or None per side.
    """
    from scipy.optimize import minimize_scalar

    rel = outline - c1
    s = rel @ u
    t = rel @ np.array([-u[1], u[0]])
    r1, r2 = f1.radius, f2.radius
    r_lo = max((d - r1 - r2) / 2.0, 0.0) + 0.05 * ps
    r_hi = 50.0 * max(d, r1, r2)

    def centre(big_r):
        xc = (d * d + (r1 + big_r) ** 2 - (r2 + big_r) ** 2) / (2 * d)
        yc = np.sqrt(max((r1 + big_r) ** 2 - xc * xc, 0.0))
        return xc, yc

    def tangents(big_r):
        xc, _ = centre(big_r)
        return xc * r1 / (r1 + big_r), d + (xc - d) * r2 / (r2 + big_r)

    def residuals(big_r, side, pts):
        # Distance of each point to the model outline: lobe arc 1, neck arc, lobe arc 2.
        ss, tt = s[pts], side * t[pts]
        xc, yc = centre(big_r)
        st1, st2 = tangents(big_r)
        res = np.hypot(ss - xc, tt - yc) - big_r
        res = np.where(ss < st1, np.hypot(ss, tt) - r1, res)
        return np.where(ss > st2, np.hypot(ss - d, tt) - r2, res)

    log_grid = np.linspace(np.log(r_lo), np.log(r_hi), 120)

    def grid_costs(side, pts):
        # ``cost`` at every radius of the grid at once (the same arithmetic, one row each).
        big_r = np.exp(log_grid)[:, None]
        ss, tt = s[pts][None, :], side * t[pts][None, :]
        xc = (d * d + (r1 + big_r) ** 2 - (r2 + big_r) ** 2) / (2 * d)
        yc = np.sqrt(np.maximum((r1 + big_r) ** 2 - xc * xc, 0.0))
        st1, st2 = xc * r1 / (r1 + big_r), d + (xc - d) * r2 / (r2 + big_r)
        res = np.hypot(ss - xc, tt - yc) - big_r
        res = np.where(ss < st1, np.hypot(ss, tt) - r1, res)
        res = np.where(ss > st2, np.hypot(ss - d, tt) - r2, res)
        return np.sum(res**2, axis=1)
    arcs = []
    for side in (1.0, -1.0):
        pts = (s > 0) & (s < d) & (side * t > 0)
        if pts.sum() < 6:
            arcs.append(None)
            continue

        def cost(log_r, side=side, pts=pts):
            return float(np.sum(residuals(float(np.exp(log_r)), side, pts) ** 2))

        costs = grid_costs(side, pts)
        k = int(np.argmin(costs))
        lo_k, hi_k = log_grid[max(k - 1, 0)], log_grid[min(k + 1, len(log_grid) - 1)]
        res = minimize_scalar(cost, bounds=(lo_k, hi_k), method="bounded",
                              options={"xatol": 1e-5})
        big_r = float(np.exp(res.x))
        st1, st2 = tangents(big_r)
        on_arc = pts & (s > st1) & (s < st2)
        n = int(on_arc.sum())
        if n < 3 or big_r > 0.9 * r_hi:
            arcs.append(None)
            continue
        ssr = float(np.sum(residuals(big_r, side, on_arc) ** 2))
        h = 1e-3 * big_r
        d2 = (
            np.sum(residuals(big_r + h, side, on_arc) ** 2) - 2 * ssr
            + np.sum(residuals(max(big_r - h, 1e-12), side, on_arc) ** 2)
        ) / (h * h)
        var = 2.0 * (max(ssr, (0.1 * ps) ** 2 * n) / max(n - 1, 1)) / d2 if d2 > 0 else np.inf
        arcs.append(_Arc(big_r, float(np.sqrt(var * corr))))
    return arcs


@dataclass(frozen=True)
class _Arc:
    radius: float
    radius_err: float


def _order_by_hints(geom: DimerGeometry, hints) -> DimerGeometry:
    h = np.asarray(hints, dtype=np.float64).reshape(2, 2)
    p1, p2 = np.array(geom.lobe1_xy_nm), np.array(geom.lobe2_xy_nm)
    keep = np.hypot(*(p1 - h[0])) + np.hypot(*(p2 - h[1]))
    swap = np.hypot(*(p2 - h[0])) + np.hypot(*(p1 - h[1]))
    if not swap < keep:
        return geom
    return geom.replace(
        r1_nm=geom.r2_nm, r2_nm=geom.r1_nm, r1_nm_err=geom.r2_nm_err, r2_nm_err=geom.r1_nm_err,
        lobe1_xy_nm=geom.lobe2_xy_nm, lobe2_xy_nm=geom.lobe1_xy_nm,
    )
