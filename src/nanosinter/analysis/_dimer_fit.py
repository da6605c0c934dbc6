"""Fit the projected thickness of a revolved dimer to a contrast image (sub-pixel geometry).

A threshold outline of a bright-field particle lies inside its true silhouette, because the
projected thickness of a rounded body falls to zero at the edge (``t = 2 sqrt(rho^2 - u^2)``);
at the dose and texture of in-situ movies the bias is ~0.5-1 nm. Fitting the whole image of
the dimer instead uses every pixel: the dimer is modelled as the solid of revolution, about
the line of centres in the image plane, of the Figure 3g outline (two circles joined by a neck
arc tangent to both), so the contrast is ``tau = k * 2 sqrt(rho(s)^2 - u^2) + b`` blurred by
a Gaussian, with ``rho(s)`` the model's half-width at position ``s`` along the axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from scipy.optimize import least_squares

#: Order of the fitted parameters.
PARAMS = ("x_nm", "y_nm", "angle_rad", "r1_nm", "r2_nm", "d_nm", "neck_nm", "k_per_nm",
          "offset", "blur_nm")


def neck_arc(r1: float, r2: float, d: float, rn: float) -> tuple[float, float, float] | None:
    """Neck arc (R, xc, yc) tangent to both circles with lowest point at height ``rn``.

    Closed form: with ``xc = A + B R``, ``A = (d^2 + r1^2 - r2^2) / (2d)``,
    ``B = (r1 - r2) / d``, tangency ``xc^2 + (rn + R)^2 = (r1 + R)^2`` is the quadratic
    ``B^2 R^2 + 2 (A B + rn - r1) R + (A^2 + rn^2 - r1^2) = 0``; the physical root is the
    smallest positive one. None when there is no neck (rn at or below the overlap chord).

    References
    ----------
    .. [1] Tang et al., Nanomaterials 13, 3082 (2023), Figure 3g, doi:10.3390/nano13243082.
    """
    if rn <= 0 or d <= 0:
        return None
    a = (d * d + r1 * r1 - r2 * r2) / (2 * d)
    b = (r1 - r2) / d
    qa, qb, qc = b * b, 2 * (a * b + rn - r1), a * a + rn * rn - r1 * r1
    if qc <= 0:  # rn below the half chord of overlapping circles
        return None
    if abs(qa) < 1e-12:
        if qb >= 0:
            return None
        big_r = -qc / qb
    else:
        disc = qb * qb - 4 * qa * qc
        if disc < 0:
            return None
        sq = math.sqrt(disc)
        roots = [x for x in ((-qb - sq) / (2 * qa), (-qb + sq) / (2 * qa)) if x > 0]
        if not roots:
            return None
        big_r = min(roots)
    return big_r, a + b * big_r, rn + big_r


def half_width(s: np.ndarray, r1: float, r2: float, d: float, rn: float) -> np.ndarray:
    """Half-width rho(s) of the Figure 3g outline (lobe 1 at s = 0, lobe 2 at s = d)."""
    rho = np.sqrt(np.clip(r1 * r1 - s * s, 0.0, None))
    rho = np.maximum(rho, np.sqrt(np.clip(r2 * r2 - (s - d) ** 2, 0.0, None)))
    arc = neck_arc(r1, r2, d, min(rn, 0.999 * min(r1, r2)))
    if arc is not None:
        big_r, xc, yc = arc
        t1 = xc * r1 / (r1 + big_r)
        t2 = d + (xc - d) * r2 / (r2 + big_r)
        inside = (s > t1) & (s < t2)
        fill = yc - np.sqrt(np.clip(big_r * big_r - (s - xc) ** 2, 0.0, None))
        rho = np.where(inside, np.maximum(rho, fill), rho)
    return rho


@dataclass
class DimerFit:
    """Result of :func:`fit_dimer_image`: parameters, one-sigma errors and fit quality."""

    params: np.ndarray
    errors: np.ndarray
    rms: float
    n_pixels: int
    success: bool
    message: str

    def get(self, name: str) -> float:
        return float(self.params[PARAMS.index(name)])

    def err(self, name: str) -> float:
        return float(self.errors[PARAMS.index(name)])


def model_image(p: np.ndarray, xx: np.ndarray, yy: np.ndarray, px_nm: float) -> np.ndarray:
    """Model contrast on the grid (xx, yy in nm) for parameters ``p`` (see ``PARAMS``)."""
    x0, y0, th, r1, r2, d, rn, k, off, blur = p
    c, s_ = math.cos(th), math.sin(th)
    dx, dy = xx - x0, yy - y0
    s = dx * c + dy * s_ + d / 2
    u = -dx * s_ + dy * c
    rho = half_width(s, r1, r2, d, rn)
    img = k * 2.0 * np.sqrt(np.clip(rho * rho - u * u, 0.0, None)) + off
    sig = blur / px_nm
    if sig > 0.05:
        img = ndi.gaussian_filter(img, sig, mode="nearest")
    return img


def fit_dimer_image(
    contrast: np.ndarray,
    pixel_size_nm: float,
    start: np.ndarray,
    *,
    bin_factor: int = 2,
    weight_mask: np.ndarray | None = None,
    correlation_px: float = 2.0,
    max_nfev: int = 80,
) -> DimerFit:
    """Least-squares fit of the revolved-dimer model to a contrast crop.

    Parameters
    ----------
    contrast : ndarray (ny, nx)
        Contrast ``tau`` of a crop holding the dimer (0 on the support); pixel (i, j) at
        ``(x, y) = (j, i) * pixel_size_nm``.
    pixel_size_nm : float
    start : ndarray (10,)
        Starting parameters in the order of ``PARAMS``.
    bin_factor : int, keyword-only
        Bin the crop before fitting (speed); the model is sampled at the binned pixel centres.
    weight_mask : ndarray of bool, optional
        Pixels to fit (default all); pixels of other particles should be excluded.
    correlation_px : float, keyword-only
        Correlation length (Gaussian sigma, full-resolution pixels) of the residuals (texture,
        denoising); the covariance is inflated by the number of pixels per independent
        sample, ``max(1, 4 pi sigma^2 / bin^2)``, so that the errors are not overconfident.
    max_nfev : int, keyword-only

    Returns
    -------
    DimerFit

    References
    ----------
    .. [1] Tang et al., Nanomaterials 13, 3082 (2023), Figure 3g, doi:10.3390/nano13243082.
    .. [2] M. A. Branch, T. F. Coleman, Y. Li, "A subspace, interior, and conjugate gradient
       method for large-scale bound-constrained minimization problems", SIAM J. Sci. Comput.
       21, 1 (1999), doi:10.1137/S1064827595289108 (scipy ``least_squares``, method "trf").
    """
    b = int(bin_factor)
    ny, nx = contrast.shape
    ny2, nx2 = ny // b * b, nx // b * b
    data = contrast[:ny2, :nx2].reshape(ny2 // b, b, nx2 // b, b).mean(axis=(1, 3))
    if weight_mask is not None:
        w = weight_mask[:ny2, :nx2].reshape(ny2 // b, b, nx2 // b, b).all(axis=(1, 3))
    else:
        w = np.ones(data.shape, bool)
    px = pixel_size_nm * b
    # Binned pixel (i, j) is centred at full-resolution coordinate (b j + (b-1)/2).
    xs = (np.arange(data.shape[1]) * b + (b - 1) / 2) * pixel_size_nm
    ys = (np.arange(data.shape[0]) * b + (b - 1) / 2) * pixel_size_nm
    xx, yy = np.meshgrid(xs, ys)
    box = pixel_size_nm * math.sqrt((b * b - 1) / 12.0)  # binning acts like a small blur

    def resid(p):
        q = p.copy()
        q[9] = math.hypot(p[9], box)
        return (model_image(q, xx, yy, px) - data)[w]

    p0 = np.asarray(start, dtype=np.float64).copy()
    size = max(p0[3], p0[4], 0.5)
    lo = np.array([-np.inf, -np.inf, -np.inf, 0.2, 0.2, 0.05, 0.0, 0.0, -np.inf, 0.0])
    hi = np.array([np.inf, np.inf, np.inf, 4 * size, 4 * size, 8 * size, 4 * size, np.inf,
                   np.inf, 2.0])
    p0 = np.clip(p0, lo + 1e-9, hi - 1e-9)
    scale = np.array([0.1, 0.1, 0.01, 0.1, 0.1, 0.1, 0.1, max(abs(p0[7]), 1e-3), 0.01, 0.05])
    res = least_squares(resid, p0, bounds=(lo, hi), method="trf", x_scale=scale,
                        max_nfev=max_nfev, diff_step=1e-4)
    r = res.fun
    n = int(r.size)
    dof = max(n - len(p0), 1)
    s2 = float(r @ r) / dof
    inflate = max(1.0, 4 * math.pi * (correlation_px / b) ** 2)
    try:
        jtj = res.jac.T @ res.jac
        cov = np.linalg.pinv(jtj) * s2 * inflate
        err = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    except np.linalg.LinAlgError:
        err = np.full(len(p0), np.inf)
    p = res.x.copy()
    p[9] = math.hypot(p[9], box)
    return DimerFit(p, err, math.sqrt(s2), n, bool(res.success), str(res.message))
