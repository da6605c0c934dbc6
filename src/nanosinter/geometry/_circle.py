"""Least-squares circle fits to outline points, with standard errors."""

from __future__ import annotations

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
    mx, my = x.mean(), y.mean()
    u, v = x - mx, y - my
    a_mat = np.column_stack([2 * u, 2 * v, np.ones(n)])
    sol, *_ = np.linalg.lstsq(a_mat, u * u + v * v, rcond=None)
    a, b, c = sol
    r2 = c + a * a + b * b
    if not np.isfinite(r2) or r2 <= 0:
        raise AnalysisError("outline points are collinear; no circle can be fitted")
    p = np.array([a, b, np.sqrt(r2)])
    jac = np.empty((n, 3))
    for _ in range(n_iter):
        dx, dy = u - p[0], v - p[1]
        d = np.hypot(dx, dy)
        d = np.where(d == 0, 1e-300, d)
        res = d - p[2]
        jac[:, 0] = -dx / d
        jac[:, 1] = -dy / d
        jac[:, 2] = -1.0
        step, *_ = np.linalg.lstsq(jac, -res, rcond=None)
        p = p + step
        if np.all(np.abs(step) <= 1e-12 * max(1.0, abs(p[2]))):
            break
    dx, dy = u - p[0], v - p[1]
    d = np.hypot(dx, dy)
    res = d - p[2]
    rms = float(np.sqrt(np.mean(res * res)))
    dof = max(n - 3, 1)
    sigma2 = float(np.sum(res * res)) / dof
    try:
        cov = np.linalg.inv(jac.T @ jac) * sigma2 * max(correlation_length, 1.0)
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
