"""Least-squares circle fits to outline points, with standard errors."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nanosinter.errors import AnalysisError


@dataclass(frozen=True)
class CircleFit:
    """A circle fitted to points, in the units of the points.

    Attributes
    ----------
    x, y, radius : float
        Centre and radius.
    x_err, y_err, radius_err : float
        One-sigma standard errors from the fit covariance (inflated for the correlation of
        neighbouring outline points, see :func:`fit_circle`).
    rms : float
        Root-mean-square geometric residual (distance of the points from the circle).
    n_points : int
        Number of points used.
    """

    x: float
    y: float
    radius: float
    x_err: float
    y_err: float
    radius_err: float
    rms: float
    n_points: int


def fit_circle(
    x: np.ndarray, y: np.ndarray, *, correlation_length: float = 1.0, n_iter: int = 20
) -> CircleFit:
    """Fit a circle to points by geometric least squares.

    The algebraic fit of Kasa gives the start; Gauss-Newton iterations then minimise the sum of
    squared geometric distances ``|p - c| - radius`` (Gander, Golub & Strebel).

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        Point coordinates (any length unit); ``n >= 3``.
    correlation_length : float, keyword-only
        Number of consecutive points that share one independent error (outline points from a
        smoothed image are correlated over about the smoothing width); the covariance is scaled
        by it so that the standard errors are not overconfident.
    n_iter : int, keyword-only
        Maximum number of Gauss-Newton iterations.

    Returns
    -------
    CircleFit

    Raises
    ------
    AnalysisError
        Fewer than 3 points, or points that are collinear.

    References
    ----------
    .. [1] I. Kasa, "A circle fitting procedure and its error analysis", IEEE Trans. Instrum.
       Meas. 25, 8 (1976), doi:10.1109/TIM.1976.6312298.
    .. [2] W. Gander, G. H. Golub, R. Strebel, "Least-squares fitting of circles and ellipses",
       BIT 34, 558 (1994), doi:10.1007/BF01934268.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    n = x.size
    if n < 3:
        raise AnalysisError(f"a circle needs at least 3 outline points, got {n}")
    # Kasa: x^2 + y^2 = 2 a x + 2 b y + c, linear in (a, b, c); centred for conditioning.
    # Solved by its 3 x 3 normal equations (the points are centred, so they are well
    # conditioned; lstsq's SVD of the tall n x 3 matrix cost most of a fit).
    mx, my = x.mean(), y.mean()
    # Rows u, v, 1, then (Kasa) u^2 + v^2 or (Gauss-Newton) the residuals: every sum the
    # 3 x 3 normal equations need comes from one product ``m @ m.T``.
    m = np.empty((4, n))
    uv = m[:2]
    np.subtract(x, mx, out=m[0])
    np.subtract(y, my, out=m[1])
    m[2] = 1.0
    np.einsum("ij,ij->j", uv, uv, out=m[3])
    g = m @ m.T
    # Kasa columns (2u, 2v, 1): A^T A and A^T (u^2 + v^2) from the sums.
    (suu, suv, su, suw), (_, svv, sv, svw), (_, _, s1, sw) = g[:3].tolist()
    sol = _solve3(((4 * suu, 4 * suv, 2 * su), (4 * suv, 4 * svv, 2 * sv), (2 * su, 2 * sv, s1)),
                  (2 * suw, 2 * svw, sw))
    if sol is None:
        raise AnalysisError("outline points are collinear; no circle can be fitted")
    a, b, c = sol
    r2 = c + a * a + b * b
    if not np.isfinite(r2) or r2 <= 0:
        raise AnalysisError("outline points are collinear; no circle can be fitted")
    p = np.array([a, b, np.sqrt(r2)])
    u = uv.copy()
    # Gauss-Newton rows: the unit vectors (dx, dy) / d (minus the Jacobian), 1, residual.
    jtj = None
    for _ in range(n_iter):
        jtj, jtr = _gauss_newton_terms(u, p, m)
        sol = _solve3(jtj.tolist(), (-jtr).tolist())
        step = (np.linalg.lstsq(jtj, -jtr, rcond=None)[0] if sol is None
                else np.array(sol))
        p = p + step
        if np.all(np.abs(step) <= 1e-12 * max(1.0, abs(p[2]))):
            break
    if jtj is None:
        jtj = _gauss_newton_terms(u, p, m)[0]
    d = np.hypot(u[0] - p[0], u[1] - p[1])
    res = d - p[2]
    rms = float(np.sqrt(np.mean(res * res)))
    dof = max(n - 3, 1)
    sigma2 = float(np.sum(res * res)) / dof
    try:
        # Covariance from the Jacobian of the last Gauss-Newton step.
        cov = np.linalg.inv(jtj) * sigma2 * max(correlation_length, 1.0)
        err = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    except np.linalg.LinAlgError:
        err = np.full(3, np.inf)
    radius = abs(float(p[2]))
    return CircleFit(
        x=float(p[0] + mx),
        y=float(p[1] + my),
        radius=radius,
        x_err=float(err[0]),
        y_err=float(err[1]),
        radius_err=float(err[2]),
        rms=rms,
        n_points=int(n),
    )



def _gauss_newton_terms(u: np.ndarray, p: np.ndarray, m: np.ndarray):
    """``J^T J`` and ``J^T r`` of the geometric circle residuals
    ``r_i = |(u_i, v_i) - (p0, p1)| - p2`` (Jacobian rows ``(-dx/d, -dy/d, -1)``), the 3 x 3
    normal equations of a Gauss-Newton step (Gander et al. 1994); ``m`` (4, n) is scratch
    whose row 2 holds ones."""
    dxy = m[:2]
    np.subtract(u, p[:2, None], out=dxy)
    d = np.hypot(dxy[0], dxy[1])
    d[d == 0] = 1e-300
    np.subtract(d, p[2], out=m[3])
    dxy /= d
    g = m @ m.T
    return g[:3, :3], -g[:3, 3]


def _solve3(a, b):
    """Solution of the 3 x 3 system ``a x = b`` (nested sequences of floats) by Cramer's
    rule, or None when ``a`` is singular; a few microseconds, against ~30 for a LAPACK
    call on so small a system."""
    (a00, a01, a02), (a10, a11, a12), (a20, a21, a22) = a
    b0, b1, b2 = b
    c0 = a11 * a22 - a12 * a21
    c1 = a10 * a22 - a12 * a20
    c2 = a10 * a21 - a11 * a20
    det = a00 * c0 - a01 * c1 + a02 * c2
    if not (det != 0.0 and math.isfinite(det)):
        return None
    x0 = (b0 * c0 - a01 * (b1 * a22 - a12 * b2) + a02 * (b1 * a21 - a11 * b2)) / det
    x1 = (a00 * (b1 * a22 - a12 * b2) - b0 * c1 + a02 * (a10 * b2 - b1 * a20)) / det
    x2 = (a00 * (a11 * b2 - b1 * a21) - a01 * (a10 * b2 - b1 * a20) + b0 * c2) / det
    return x0, x1, x2


def _solve3_many(a00, a01, a02, a11, a12, a22, b0, b1, b2):
    """:func:`_solve3` of many symmetric 3 x 3 systems at once (arrays of their entries; the
    same arithmetic element by element); NaN rows where a system is singular."""
    a10, a20, a21 = a01, a02, a12
    c0 = a11 * a22 - a12 * a21
    c1 = a10 * a22 - a12 * a20
    c2 = a10 * a21 - a11 * a20
    det = a00 * c0 - a01 * c1 + a02 * c2
    bad = ~((det != 0.0) & np.isfinite(det))
    det = np.where(bad, np.nan, det)
    x0 = (b0 * c0 - a01 * (b1 * a22 - a12 * b2) + a02 * (b1 * a21 - a11 * b2)) / det
    x1 = (a00 * (b1 * a22 - a12 * b2) - b0 * c1 + a02 * (a10 * b2 - b1 * a20)) / det
    x2 = (a00 * (a11 * b2 - b1 * a21) - a01 * (a10 * b2 - b1 * a20) + b0 * c2) / det
    return x0, x1, x2, bad


def fit_circles(
    xs: list, ys: list, *, correlation_length: float = 1.0, n_iter: int = 20,
) -> list[CircleFit | None]:
    """:func:`fit_circle` of many point sets at once: the same fits (to round-off: sums are
    taken in another order), one set of array operations for all of them instead of one
    per set (a frame's ~10-20 particle outlines cost about as much as one call).

    Parameters
    ----------
    xs, ys : sequences of 1-D arrays
        The points of each set.
    correlation_length, n_iter : keyword-only
        As :func:`fit_circle` (each set stops iterating on its own).

    Returns
    -------
    list of CircleFit or None
        None where :func:`fit_circle` raises :class:`AnalysisError` (fewer than 3 points,
        collinear points).

    References
    ----------
    .. [1] I. Kasa, IEEE Trans. Instrum. Meas. 25, 8 (1976), doi:10.1109/TIM.1976.6312298.
    .. [2] W. Gander, G. H. Golub, R. Strebel, BIT 34, 558 (1994), doi:10.1007/BF01934268.
    """
    xs = [np.asarray(x, dtype=np.float64).ravel() for x in xs]
    ys = [np.asarray(y, dtype=np.float64).ravel() for y in ys]
    out: list[CircleFit | None] = [None] * len(xs)
    use = [i for i, x in enumerate(xs) if x.size >= 3]
    if not use:
        return out
    cnt = np.array([xs[i].size for i in use])
    starts = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    x = np.concatenate([xs[i] for i in use])
    y = np.concatenate([ys[i] for i in use])

    def total(v):
        return np.add.reduceat(v, starts)

    mx, my = total(x) / cnt, total(y) / cnt
    u = x - np.repeat(mx, cnt)
    v = y - np.repeat(my, cnt)
    w = u * u + v * v
    suu, svv, suv = total(u * u), total(v * v), total(u * v)
    su, sv, s1 = total(u), total(v), cnt.astype(np.float64)
    a, b, c, bad = _solve3_many(4 * suu, 4 * suv, 2 * su, 4 * svv, 2 * sv, s1,
                                2 * total(u * w), 2 * total(v * w), total(w))
    with np.errstate(invalid="ignore"):
        r2 = c + a * a + b * b
        ok = ~bad & np.isfinite(r2) & (r2 > 0)
    pa, pb, pr = a, b, np.sqrt(np.where(ok, r2, 1.0))
    active = ok.copy()
    jtj = [np.zeros(len(use)) for _ in range(6)]  # xx, xy, x1, yy, y1, 11

    def terms(pa, pb, pr):
        dx = u - np.repeat(pa, cnt)
        dy = v - np.repeat(pb, cnt)
        d = np.hypot(dx, dy)
        d[d == 0] = 1e-300
        res = d - np.repeat(pr, cnt)
        cx, cy = dx / d, dy / d
        return ((total(cx * cx), total(cx * cy), total(cx), total(cy * cy), total(cy), s1),
                (total(cx * res), total(cy * res), total(res)))

    for _ in range(max(int(n_iter), 0)):
        if not active.any():
            break
        g, jr = terms(pa, pb, pr)
        for k in range(6):
            jtj[k] = np.where(active, g[k], jtj[k])
        # Normal equations J^T J step = -J^T r, with J rows -(cx, cy, 1): -J^T r = jr.
        s0, s1_, s2, sing = _solve3_many(*g, *jr)
        if sing.any():
            for j in np.flatnonzero(sing & active):
                m = np.array([[g[0][j], g[1][j], g[2][j]], [g[1][j], g[3][j], g[4][j]],
                              [g[2][j], g[4][j], g[5][j]]])
                s0[j], s1_[j], s2[j] = np.linalg.lstsq(m, [jr[0][j], jr[1][j], jr[2][j]],
                                                      rcond=None)[0]
        pa = np.where(active, pa + s0, pa)
        pb = np.where(active, pb + s1_, pb)
        pr = np.where(active, pr + s2, pr)
        with np.errstate(invalid="ignore"):
            done = ((np.abs(s0) <= 1e-12 * np.maximum(1.0, np.abs(pr)))
                    & (np.abs(s1_) <= 1e-12 * np.maximum(1.0, np.abs(pr)))
                    & (np.abs(s2) <= 1e-12 * np.maximum(1.0, np.abs(pr))))
        active &= ~done
    if int(n_iter) <= 0:
        jtj = list(terms(pa, pb, pr)[0])
    res = np.hypot(u - np.repeat(pa, cnt), v - np.repeat(pb, cnt)) - np.repeat(pr, cnt)
    ss = total(res * res)
    rms = np.sqrt(ss / cnt)
    sigma2 = ss / np.maximum(cnt - 3, 1)
    # Diagonal of the inverse of each J^T J (adjugate / determinant).
    g00, g01, g02, g11, g12, g22 = jtj
    det = (g00 * (g11 * g22 - g12 * g12) - g01 * (g01 * g22 - g12 * g02)
           + g02 * (g01 * g12 - g11 * g02))
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = sigma2 * max(correlation_length, 1.0) / det
        var = np.stack([(g11 * g22 - g12 * g12) * scale, (g00 * g22 - g02 * g02) * scale,
                        (g00 * g11 - g01 * g01) * scale])
    err = np.where((det != 0) & np.isfinite(det), np.sqrt(np.clip(var, 0.0, None)), np.inf)
    for j, i in enumerate(use):
        if not ok[j]:
            continue
        out[i] = CircleFit(x=float(pa[j] + mx[j]), y=float(pb[j] + my[j]),
                           radius=abs(float(pr[j])), x_err=float(err[0, j]),
                           y_err=float(err[1, j]), radius_err=float(err[2, j]),
                           rms=float(rms[j]), n_points=int(cnt[j]))
    return out
