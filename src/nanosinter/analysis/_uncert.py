"""Errors of least-squares fits under correlated noise (support texture + shot noise).

The amorphous support of an in-situ movie adds a granular texture that is fixed to the
specimen: in one frame it is noise correlated over the grain size (~0.4 nm), and it is the same
in every frame, so it does not average out over a movie. A fit's covariance computed as if the
residuals were white (``s^2 (J^T J)^-1``) then understates the error several times. Here the
noise covariance is measured on the support of the same frame (its empirical autocovariance up
to a few grain sizes) and the fit's covariance is the sandwich

    Cov = A^-1 (J^T Sigma J) A^-1,   A = J^T J,

(the covariance of a linearised least-squares estimate under noise covariance ``Sigma``;
e.g. Seber & Wild, *Nonlinear Regression*, Wiley 1989, ch. 2.1, doi:10.1002/0471725315), with
``Sigma`` the support's autocovariance plus white noise for what the fit's residuals show in
excess of it (fewer counts under the particles, model misfit).
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft


def support_autocovariance(img: np.ndarray, mask: np.ndarray, max_lag: int) -> np.ndarray | None:
    """Empirical autocovariance of ``img`` over the pixels in ``mask``, lags up to ``max_lag``.

    Masked estimate: ``C(l) = sum m(x) m(x+l) v(x) v(x+l) / sum m(x) m(x+l)`` with ``v`` the
    image minus its mean over the mask (both sums by FFT). Returns the
    ``(2 max_lag + 1)``-square kernel (lag 0 in the centre), or None when the support has too
    few pixels (< 400) for a usable estimate.

    References
    ----------
    .. [1] Box, Jenkins & Reinsel, *Time Series Analysis*, 4th ed., Wiley 2008, ch. 2
       (sample autocovariance). doi:10.1002/9781118619193
    """
    m = np.asarray(mask, bool)
    if np.count_nonzero(m) < 400:
        return None
    v = np.where(m, np.asarray(img, np.float64), 0.0)
    v[m] -= v[m].mean()
    ny, nx = v.shape
    # zero padding: no wrap-around within max_lag; FFT-friendly sizes
    shape = (sfft.next_fast_len(ny + max_lag, real=True),
             sfft.next_fast_len(nx + max_lag, real=True))
    both = sfft.rfft2(np.stack([v, m.astype(np.float64)]), shape, axes=(1, 2))
    num, den = sfft.irfft2(both * np.conj(both), shape, axes=(1, 2))
    lags = np.r_[np.arange(-max_lag, 0), np.arange(0, max_lag + 1)]
    idx = np.ix_(lags % shape[0], lags % shape[1])
    num, den = num[idx], den[idx]
    # Truncated, not tapered: a taper scales down the lags that carry most of a grain's
    # covariance and understates the errors (by ~2x in variance in the test of a 3-px grain).
    return np.where(den > 50, num / np.maximum(den, 1e-300), 0.0)


def sandwich_covariance(jac: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                        kernel: np.ndarray, resid_var: float,
                        combos: np.ndarray | None = None) -> np.ndarray:
    """Covariance of least-squares parameters with noise covariance ``kernel`` (+ white).

    Parameters
    ----------
    jac : ndarray (n_pixels, n_params)
        Jacobian of the model at the solution.
    rows, cols : ndarray (n_pixels,)
        Pixel indices (row, column) of the fitted pixels, in the order of ``jac``'s rows.
    kernel : ndarray (2L+1, 2L+1)
        Noise autocovariance (from :func:`support_autocovariance`).
    resid_var : float
        Mean squared residual of the fit; its excess over ``kernel``'s lag-0 variance is
        added as white noise.
    combos : ndarray (n_q, n_params), optional
        Linear combinations of the parameters wanted (rows); default all parameters. Only
        their influence images are convolved (``W = J A^-1 combos^T``, ``Cov = W^T Sigma W``).

    Returns
    -------
    ndarray (n_q, n_q)
    """
    jac = np.asarray(jac, np.float64)
    a_inv = np.linalg.pinv(jac.T @ jac)
    g = np.eye(jac.shape[1]) if combos is None else np.atleast_2d(np.asarray(combos, float))
    w = jac @ (a_inv @ g.T)  # (n_pixels, n_q): the estimate's weights on the pixels
    r0, c0 = int(rows.min()), int(cols.min())
    lag = kernel.shape[0] // 2
    hh = sfft.next_fast_len(int(rows.max()) + 1 - r0 + 2 * lag, real=True)
    ww = sfft.next_fast_len(int(cols.max()) + 1 - c0 + 2 * lag, real=True)
    stack = np.zeros((w.shape[1], hh, ww))
    stack[:, rows - r0 + lag, cols - c0 + lag] = w.T
    kpad = np.zeros((hh, ww))
    kpad[:kernel.shape[0], :kernel.shape[1]] = kernel
    kpad = np.roll(kpad, (-lag, -lag), axis=(0, 1))  # lag 0 at the origin
    conv = sfft.irfft2(sfft.rfft2(stack, axes=(1, 2)) * sfft.rfft2(kpad), s=(hh, ww),
                       axes=(1, 2))
    kw = conv[:, rows - r0 + lag, cols - c0 + lag]  # (n_q, n_pixels): (Sigma W)^T
    white = max(float(resid_var) - float(kernel[lag, lag]), 0.0)
    return kw @ w + white * (w.T @ w)


def mean_variance(mask: np.ndarray, kernel: np.ndarray) -> float:
    """Variance of the mean of an image over ``mask`` under noise autocovariance ``kernel``.

    ``Var(mean) = sum_l K(l) P(l) / n^2``, with ``P(l)`` the number of pixel pairs of the mask
    separated by the lag ``l`` (the mask's autocorrelation, by FFT) and ``K`` the kernel of
    :func:`support_autocovariance` (covariance beyond its largest lag taken as zero). White
    noise gives ``K(0) / n``; a texture correlated over ``a`` pixels about ``a`` times that.
    """
    m = np.asarray(mask, bool)
    n = int(np.count_nonzero(m))
    if n == 0:
        return float("nan")
    rows, cols = np.nonzero(m)
    sub = m[rows.min(): rows.max() + 1, cols.min(): cols.max() + 1].astype(np.float64)
    lag = kernel.shape[0] // 2
    shape = (sfft.next_fast_len(sub.shape[0] + lag, real=True),
             sfft.next_fast_len(sub.shape[1] + lag, real=True))
    f = sfft.rfft2(sub, shape)
    pairs = sfft.irfft2(f * np.conj(f), shape)
    lags = np.r_[np.arange(-lag, 0), np.arange(0, lag + 1)]
    p = np.rint(pairs[np.ix_(lags % shape[0], lags % shape[1])])
    return float(np.sum(kernel * p)) / (n * n)
