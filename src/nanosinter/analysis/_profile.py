"""Sub-pixel radii from the contrast profile of a revolved body (lobe circles, neck width).

A thresholded outline of a bright-field particle lies inside its silhouette: the projected
thickness of a sphere of radius r at distance rho from its centre is ``2 sqrt(r^2 - rho^2)``,
which falls to zero at the edge, so a detection level ``L`` is crossed ``~(L / 2k)^2 / 2r``
inside it (``k`` = contrast per nm of thickness), 0.2-1 nm at in-situ doses, and the blur of
the image moves it further. Fitting the blurred projected-thickness profile itself to every
pixel of a lobe (or, across the line of centres, of the neck) uses all the signal and has no
such bias.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft
from scipy import ndimage as ndi
from scipy.optimize import least_squares


def _cell_chord(g: np.ndarray, radius: float, h: float) -> np.ndarray:
    """Mean of the chord ``2 sqrt(radius^2 - x^2)`` over the grid cells ``[g - h/2, g + h/2]``.

    Exact (antiderivative ``x sqrt(r^2 - x^2) + r^2 asin(x / r)``), so a tabulated chord
    changes smoothly with the radius: point samples jump whenever the edge crosses a grid
    point, which gave least-squares fits of the radius a rough cost surface and a wrong
    Jacobian (slow, noisy convergence).
    """
    r = float(radius)

    def prim(x):
        x = np.clip(x, -r, r)
        return x * np.sqrt(np.clip(r * r - x * x, 0.0, None)) + r * r * np.arcsin(x / r)

    return (prim(g + 0.5 * h) - prim(g - 0.5 * h)) / h


def blurred_chord(x: np.ndarray, radius: float, sigma: float) -> np.ndarray:
    """Chord length ``2 sqrt(radius^2 - x^2)`` of a disc blurred by a 1-D Gaussian ``sigma``.

    ``x`` is the distance from the centre (any sign). The blur is applied along ``x`` only,
    which is the 2-D blur of a projected sphere to order ``sigma^2 / radius^2``.
    """
    x = np.abs(np.asarray(x, dtype=np.float64))
    r = max(float(radius), 1e-6)
    s = max(float(sigma), 1e-4)
    h = max(min(s / 4.0, r / 20.0, 0.02), 0.002)
    xmax = r + 6.0 * s
    g = np.arange(-xmax, xmax + h, h)
    chord = _cell_chord(g, r, h)
    kx = np.arange(-math.ceil(4 * s / h), math.ceil(4 * s / h) + 1) * h
    ker = np.exp(-0.5 * (kx / s) ** 2)
    ker /= ker.sum()
    blurred = np.convolve(chord, ker, mode="same")
    return np.interp(x, g, blurred, right=0.0)


@functools.lru_cache(maxsize=8)
def _blur_kernels(s: float, h: float, nk: int) -> tuple[np.ndarray, np.ndarray]:
    """The normalised Gaussian kernel (sigma ``s``, step ``h``, ``2 nk + 1`` taps) of
    :func:`chord_tables` and its exact sigma derivative (read-only; cached: a fit's
    evaluations often share sigma and the grid step, the neck fit always its sigma)."""
    kx = np.arange(-nk, nk + 1) * h
    ker = np.exp(-0.5 * (kx / s) ** 2)
    ker /= ker.sum()
    w = kx * kx / s**3
    dker = ker * (w - float(np.sum(ker * w)))  # d/ds of the normalised kernel
    ker.flags.writeable = False
    dker.flags.writeable = False
    return ker, dker


def chord_tables(
    rho: np.ndarray, radius: float, sigma: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`blurred_chord` at ``rho`` and its derivatives by ``rho``, ``radius``, ``sigma``.

    Tables on one 1-D grid, interpolated at ``rho``: the cell-averaged chord
    (:func:`_cell_chord`) and its exact radius derivative (the cell average of
    ``2 r asin(x / r)``'s increments) convolved with the normalised Gaussian kernel, and the
    chord convolved with the kernel's exact sigma derivative; the ``rho`` derivative is the
    table's central difference. Four tables for the price of about two :func:`blurred_chord`
    calls: the Jacobian of a least-squares fit needs no extra model evaluations.
    """
    x = np.abs(np.asarray(rho, dtype=np.float64))
    r = max(float(radius), 1e-6)
    s = max(float(sigma), 1e-4)
    h = max(min(s / 4.0, r / 20.0, 0.02), 0.002)
    n_half = math.ceil((r + 6.0 * s) / h) + 1
    nk = math.ceil(4 * s / h)
    # The tables are even in g: only g >= 0 is kept, which needs the cell chords from
    # g = -nk h on (the kernel's reach); the grid is -n_half .. n_half steps as before.
    gf = np.arange(-nk, n_half + 1) * h
    # (np.minimum/np.maximum: np.clip's values, without its per-call overhead.)
    lo = np.minimum(np.maximum((gf - 0.5 * h) / r, -1.0), 1.0)
    hi = np.minimum(np.maximum((gf + 0.5 * h) / r, -1.0), 1.0)
    a_lo, a_hi = np.arcsin(lo), np.arcsin(hi)
    chord = r * r * ((hi * np.sqrt(1.0 - hi * hi) + a_hi)
                     - (lo * np.sqrt(1.0 - lo * lo) + a_lo)) / h
    dchord_dr = 2.0 * r * (a_hi - a_lo) / h
    ker, dker = _blur_kernels(s, h, nk)
    # Output g = k h (k = 0 .. n_half) of the "same"-size convolution over the whole grid
    # is element 2 nk + k of the full convolution of the chords from g = -nk h.
    keep = slice(2 * nk, 2 * nk + n_half + 1)
    if nk <= 100:
        c = np.convolve(chord, ker)[keep]
        d_r = np.convolve(dchord_dr, ker)[keep]
        d_s = np.convolve(chord, dker)[keep]
    else:
        # Long kernels (a blur of many grid steps: thin necks, h down to 0.002 nm): the
        # same full convolutions by FFT (equal to round-off, ~1e-16 of the largest value),
        # 5-10x cheaper than the direct sums of ~10^6 products each.
        from scipy import fft as sfft

        size = sfft.next_fast_len(chord.size + ker.size - 1, real=True)
        f_ch = sfft.rfft(chord, size)
        f_k = sfft.rfft(ker, size)
        c = sfft.irfft(f_ch * f_k, size)[keep]
        d_r = sfft.irfft(sfft.rfft(dchord_dr, size) * f_k, size)[keep]
        d_s = sfft.irfft(f_ch * sfft.rfft(dker, size), size)[keep]
    # np.gradient(c, h) (central differences, first-order ends), without its overhead.
    d_rho = np.empty_like(c)
    d_rho[1:-1] = (c[2:] - c[:-2]) / (2.0 * h)
    d_rho[0] = (c[1] - c[0]) / h
    d_rho[-1] = (c[-1] - c[-2]) / h
    # Linear interpolation on the uniform grid g = k h (zero beyond its end, as
    # np.interp(..., right=0)): one index and weight for the four tables.
    q = x.reshape(-1) / h
    beyond = ~(q <= n_half)  # also NaN (np.interp gives NaN there, set below)
    any_beyond = bool(beyond.any())
    if any_beyond:
        q = np.where(beyond, 0.0, q)
    k = np.minimum(q.astype(np.intp), n_half - 1)
    t = q - k
    # The four tables side by side: one gather of the rows k and k + 1 for all of them.
    # (np.take: a fancy index of rows of a 2-D array is ~10x slower.) Each table's values
    # come back contiguous (one row of the (4, n) result).
    tabs = np.stack([c, d_rho, d_r, d_s])
    f0 = np.take(tabs, k, axis=1)
    v = f0 + t * (np.take(tabs, k + 1, axis=1) - f0)
    if any_beyond:
        v[:, beyond] = 0.0
        v[:, np.isnan(x.reshape(-1))] = np.nan
    v = v.reshape((4, *x.shape))
    return v[0], v[1], v[2], v[3]


@dataclass
class ProfileFit:
    """Result of :func:`fit_lobe` or :func:`fit_neck`: values, one-sigma errors, quality."""

    values: dict[str, float]
    errors: dict[str, float]
    rms: float
    n_pixels: int
    success: bool
    #: Jacobian of the model at the solution (pixels in the caller's order x parameters),
    #: for error propagation under correlated noise (:mod:`nanosinter.analysis._uncert`);
    #: set by :func:`fit_two_lobes` only.
    jac: np.ndarray | None = None


def _covariance(res, inflate: float) -> np.ndarray:
    r = res.fun
    dof = max(r.size - res.x.size, 1)
    s2 = float(r @ r) / dof
    try:
        cov = np.linalg.pinv(res.jac.T @ res.jac) * s2 * inflate
        return np.sqrt(np.clip(np.diag(cov), 0.0, None))
    except np.linalg.LinAlgError:
        return np.full(res.x.size, np.inf)


def fit_lobe(
    tau: np.ndarray, xx: np.ndarray, yy: np.ndarray, *, x0: float, y0: float, r0: float,
    k0: float, sigma0: float = 0.2, b0: float = 0.0, inflate: float = 1.0,
) -> ProfileFit:
    """Fit ``tau = k * chord(rho; r, sigma) + b`` to the pixels of one lobe.

    Parameters
    ----------
    tau : ndarray (n,)
        Contrast of the selected pixels (support = 0).
    xx, yy : ndarray (n,)
        Pixel centres in nm.
    x0, y0, r0, k0, sigma0 : float, keyword-only
        Start: centre, radius, contrast per nm of thickness, blur (nm).
    inflate : float, keyword-only
        Pixels per independent noise sample (correlated noise), multiplies the covariance.

    Returns
    -------
    ProfileFit
        ``values`` / ``errors`` keys ``x, y, r, k, b, sigma`` (nm, nm, nm, 1/nm, -, nm).

    References
    ----------
    .. [1] D. B. Williams, C. B. Carter, Transmission Electron Microscopy, 2nd ed., Springer
       (2009), ch. 22, doi:10.1007/978-0-387-76501-3 (contrast proportional to mass-thickness).
    .. [2] M. A. Branch, T. F. Coleman, Y. Li, SIAM J. Sci. Comput. 21, 1 (1999),
       doi:10.1137/S1064827595289108 (scipy ``least_squares``, method "trf").
    """

    def resid(p):
        x, y, r, k, b, s = p
        rho = np.hypot(xx - x, yy - y)
        return k * blurred_chord(rho, abs(r), abs(s) + 0.02) + b - tau

    p0 = np.array([x0, y0, r0, max(k0, 1e-4), b0, sigma0])
    # Levenberg-Marquardt (MINPACK): unbounded, radius and blur enter as |.|.
    res = least_squares(resid, p0, method="lm",
                        x_scale=np.array([0.1, 0.1, 0.1, max(k0, 1e-3), 0.01, 0.05]),
                        max_nfev=200, xtol=1e-5, ftol=1e-6)
    res.x[2] = abs(res.x[2])
    res.x[5] = abs(res.x[5]) + 0.02
    err = _covariance(res, inflate)
    names = ("x", "y", "r", "k", "b", "sigma")
    return ProfileFit(dict(zip(names, map(float, res.x), strict=True)),
                      dict(zip(names, map(float, err), strict=True)),
                      float(np.sqrt(np.mean(res.fun**2))), int(tau.size), bool(res.success))


def fit_neck(
    tau: np.ndarray, u: np.ndarray, *, rn0: float, k: float, b: float, sigma: float,
    r_max: float, inflate: float = 1.0,
) -> ProfileFit:
    """Fit the neck radius to the contrast across the line of centres at the neck.

    The neck's cross-section is a disc of radius ``rn``, so across the line of centres the
    contrast is ``k * chord(u - u0; rn, sigma) + b`` with ``k``, ``b`` and ``sigma`` taken from
    the lobe fits; ``rn``, the offset ``u0`` and the local background ``b`` (started at ``b``)
    are fitted.

    Returns
    -------
    ProfileFit
        ``values`` / ``errors`` keys ``rn``, ``u0``, ``b``.
    """

    u = np.asarray(u, dtype=np.float64)
    tau = np.asarray(tau, dtype=np.float64)
    sig = max(float(sigma), 1e-3)

    def evaluate(p):
        rn, u0, off = (float(v) for v in p)
        rel = u - u0
        c, dc_drho, dc_dr, _ = chord_tables(rel, rn, sig)
        jac = np.empty((u.size, 3))
        jac[:, 0] = k * dc_dr
        jac[:, 1] = -k * dc_drho * np.sign(rel)
        jac[:, 2] = 1.0
        return {"resid": k * c + off - tau, "jac": jac}

    p0 = np.array([min(max(rn0, 0.05), 0.99 * r_max), 0.0, b])
    lo = np.array([1e-3, -np.inf, -np.inf])
    hi = np.array([r_max, np.inf, np.inf])
    res = _levenberg_marquardt(evaluate, p0, lo, hi, max_iter=60)
    res.x[0] = min(abs(res.x[0]), r_max)
    err = _covariance(res, inflate)
    return ProfileFit({"rn": float(res.x[0]), "u0": float(res.x[1]), "b": float(res.x[2])},
                      {"rn": float(err[0]), "u0": float(err[1]), "b": float(err[2])},
                      float(np.sqrt(np.mean(res.fun**2))), int(tau.size), bool(res.success))


def noise_correlation_area(values: np.ndarray, block: int = 4) -> float:
    """Pixels per independent noise sample of a 2-D patch of noise (1 for white noise).

    ``block^2 * var(block means) / var(pixels)``: white noise gives 1, noise correlated over
    ``a`` pixels gives about ``a`` (at most ``block^2``).
    """
    v = np.asarray(values, dtype=np.float64)
    ny, nx = v.shape[0] // block * block, v.shape[1] // block * block
    if ny < 2 * block or nx < 2 * block:
        return 1.0
    v = v[:ny, :nx]
    var1 = float(v.var())
    if var1 <= 0:
        return 1.0
    means = v.reshape(ny // block, block, nx // block, block).mean(axis=(1, 3))
    return float(np.clip(block * block * means.var() / var1, 1.0, block * block))


def fit_two_lobes(
    tau: np.ndarray, xx: np.ndarray, yy: np.ndarray, which: np.ndarray, *, starts, k0: float,
    sigma0: float = 0.2, b0: float = 0.0, inflate: float = 1.0, max_sigma: float = 1.5,
) -> tuple[ProfileFit, ProfileFit]:
    """Fit both lobes at once with a shared contrast per nm ``k``, background ``b`` and blur.

    The two particles are the same material imaged in the same frame, so ``k``, ``b`` and
    ``sigma`` are common; sharing them removes most of the trade-off between a lobe's radius
    and its contrast that support texture otherwise causes. ``which`` (0 or 1) tells the lobe
    of each pixel; ``starts`` is ``((x1, y1, r1), (x2, y2, r2))``.

    Returns
    -------
    (ProfileFit, ProfileFit)
        One per lobe, each with keys ``x, y, r, k, b, sigma`` (the shared ones repeated).
    """
    w1 = which == 0
    xs = (xx[w1], xx[~w1])
    ys = (yy[w1], yy[~w1])
    n1 = int(np.count_nonzero(w1))
    order = np.concatenate([np.flatnonzero(w1), np.flatnonzero(~w1)])
    tau_o = np.asarray(tau, dtype=np.float64)[order]
    # Model and analytic Jacobian from one set of 1-D tables per lobe (chord_tables): the
    # residuals and their derivatives cost four interpolations per pixel instead of the ten
    # model evaluations of a finite-difference Jacobian.
    state: dict = {}

    def evaluate(p):
        key = tuple(float(v) for v in p)
        if state.get("key") == key:
            return state
        x1, y1, r1, x2, y2, r2, k, b, s = key
        sa = abs(s) + 0.02
        ds = 1.0 if s >= 0 else -1.0
        model = np.empty(tau_o.size)
        # Filled by parameter (contiguous rows), used transposed (pixels x parameters).
        jac_t = np.zeros((9, tau_o.size))
        for j, (x, y, r) in enumerate(((x1, y1, r1), (x2, y2, r2))):
            sl = slice(0, n1) if j == 0 else slice(n1, None)
            ex, ey = xs[j] - x, ys[j] - y
            rho = np.hypot(ex, ey)
            c, dc_drho, dc_dr, dc_ds = chord_tables(rho, abs(r), sa)
            g = -k * dc_drho / np.maximum(rho, 1e-9)
            model[sl] = k * c
            jac_t[3 * j, sl] = g * ex
            jac_t[3 * j + 1, sl] = g * ey
            jac_t[3 * j + 2, sl] = k * dc_dr * (1.0 if r >= 0 else -1.0)
            jac_t[6, sl] = c
            jac_t[8, sl] = k * dc_ds * ds
        jac_t[7] = 1.0
        state.update(key=key, resid=model + b - tau_o, jac=jac_t.T)
        return state

    (x1, y1, r1), (x2, y2, r2) = starts
    p0 = np.array([x1, y1, r1, x2, y2, r2, max(k0, 1e-4), b0, max(sigma0 - 0.02, 0.01)])
    # Bounded (trust-region reflective): centres within r/3 and radii within 30 % of the start.
    lo = np.array([x1 - r1 / 3, y1 - r1 / 3, 0.7 * r1, x2 - r2 / 3, y2 - r2 / 3, 0.7 * r2,
                   0.0, -np.inf, 0.0])
    hi = np.array([x1 + r1 / 3, y1 + r1 / 3, 1.3 * r1, x2 + r2 / 3, y2 + r2 / 3, 1.3 * r2,
                   np.inf, np.inf, max_sigma])
    p0 = np.clip(p0, lo + 1e-9, hi - 1e-9)
    res = _levenberg_marquardt(evaluate, p0, lo, hi, max_iter=100)
    res.x[8] = abs(res.x[8]) + 0.02
    err = _covariance(res, inflate)
    rms = float(np.sqrt(np.mean(res.fun**2)))
    jac = np.empty_like(res.jac)
    jac[order] = res.jac
    out = []
    for j in (0, 3):
        idx = [j, j + 1, j + 2, 6, 7, 8]
        names = ("x", "y", "r", "k", "b", "sigma")
        out.append(ProfileFit(dict(zip(names, (float(res.x[i]) for i in idx), strict=True)),
                              dict(zip(names, (float(err[i]) for i in idx), strict=True)),
                              rms, int(tau.size), bool(res.success), jac=jac))
    return out[0], out[1]


def whitening_filter(kernel: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Frequency response ``S(f)^(-1/2)`` (``rfft2`` layout, ``shape``) of the noise whose
    empirical autocovariance is ``kernel`` (lag 0 in the centre, from
    :func:`nanosinter.analysis._uncert.support_autocovariance`).

    The kernel is Bartlett-tapered (a triangle in each lag) before its transform, so the
    spectrum estimate is non-negative (the Fejer kernel is); it is floored at 1e-3 of its
    peak. Whitening the residuals and the Jacobian of a least-squares fit with it turns the
    fit into generalised least squares under that noise (prewhitening).

    References
    ----------
    .. [1] M. S. Bartlett, Biometrika 37, 1 (1950) (tapered periodogram),
       doi:10.1093/biomet/37.1-2.1.
    .. [2] S. M. Kay, *Fundamentals of Statistical Signal Processing: Estimation Theory*,
       Prentice Hall 1993, sec. 4.5 (linear model in coloured noise: prewhitening).
    """
    lag = kernel.shape[0] // 2
    tri = 1.0 - np.abs(np.arange(-lag, lag + 1)) / (lag + 1)
    emb = np.zeros(shape)
    idx = np.arange(-lag, lag + 1)
    emb[np.ix_(idx % shape[0], idx % shape[1])] = kernel * np.outer(tri, tri)
    spec = np.fft.rfft2(emb).real
    return 1.0 / np.sqrt(np.maximum(spec, 1e-3 * float(spec.max())))


#: Parameters of the whitened two-lobe fits, in their order (:func:`_two_lobe_terms`).
_LOBE_NAMES = ("x1", "y1", "r1", "x2", "y2", "r2", "k", "b", "sigma", "amp")


class _LazyJac(dict):
    """``{"resid": resid, "jac": ...}`` whose ``jac`` is made by ``make_jac()`` on first
    access only (a Levenberg-Marquardt step that is rejected never asks for it)."""

    def __init__(self, resid, make_jac):
        super().__init__(resid=resid)
        self._make_jac = make_jac

    def __missing__(self, name):
        if name != "jac":
            raise KeyError(name)
        self["jac"] = self._make_jac()
        return self["jac"]


def _last_call_cached(fn):
    """``fn(key)`` called as ``fn(p)`` with ``key`` the parameters as a tuple of floats; the
    last call's result is kept and returned again for the same parameters (the
    Levenberg-Marquardt loop asks for an accepted point twice)."""
    state: dict = {}

    def wrapped(p):
        key = tuple(float(v) for v in p)
        if state.get("key") != key:
            state.update(key=key, out=fn(key))
        return state["out"]

    return wrapped


def _whitened_region(tau, xx, yy, mask, kernel):
    """The pixels of ``mask`` (rows, columns, centres ``xs``, ``ys`` in nm, values of ``tau``)
    and the whitener of values on them (:func:`_masked_whitener` of ``kernel``)."""
    m = np.asarray(mask, bool)
    rows, cols = np.nonzero(m)
    return (rows, cols, xx[m], yy[m], np.asarray(tau, np.float64)[m],
            _masked_whitener(kernel, tau.shape, rows, cols))


def _masked_whitener(kernel: np.ndarray, shape_in: tuple[int, int], rows, cols):
    """``whiten(stack)``: each row of ``stack`` (values at the pixels ``rows``, ``cols`` of an
    image of ``shape_in``) zero-filled and whitened by :func:`whitening_filter` of ``kernel``;
    returns the whitened images flattened, one row each.

    The image is padded by a quarter of the kernel's reach (the whitening filter's own reach
    is a few pixels, and a fitted region's border is ~1 nm of zero-filled pixels already), so
    nothing wraps round. Single-precision transforms (~2x faster); the rows come back in
    double precision for the normal equations.
    """
    ny, nx = shape_in
    lag = kernel.shape[0] // 2
    shape = (sfft.next_fast_len(ny + lag // 2, real=True),
             sfft.next_fast_len(nx + lag // 2, real=True))
    wf32 = whitening_filter(kernel, shape).astype(np.float32)

    def whiten(stack):
        img = np.zeros((stack.shape[0], *shape), np.float32)
        img[:, rows, cols] = stack
        out = np.fft.irfft2(np.fft.rfft2(img, axes=(1, 2)) * wf32, s=shape, axes=(1, 2))
        return out.reshape(stack.shape[0], -1).astype(np.float64)

    return whiten


def fit_two_lobes_whitened(
    tau: np.ndarray, xx: np.ndarray, yy: np.ndarray, mask: np.ndarray, kernel: np.ndarray,
    start: dict[str, float], *, max_sigma: float = 1.5, rim_nm: float = 0.0,
) -> tuple[dict[str, float], dict[str, float], bool]:
    """Both lobes fitted to the whole region ``mask`` (the gap between them included) by
    generalised least squares under the support's measured noise autocovariance.

    The model is that of :func:`fit_two_lobes` (two blurred projected chords with a shared
    contrast, background and blur), evaluated on every pixel of ``mask`` of the image
    ``tau`` (pixel centres ``xx``, ``yy`` in nm). Residuals and Jacobian are zero outside
    ``mask`` and whitened with :func:`whitening_filter` of ``kernel`` (on a grid padded by
    the kernel's reach, so that nothing wraps round); the fit then weighs the sharp lobe
    edges, where shot noise dominates, above the support texture's slow undulations, and
    uses the gap's own edges. ``start`` has keys ``x1 y1 r1 x2 y2 r2 k b sigma`` (the
    pixel-picked fit of :func:`fit_two_lobes`). With ``rim_nm`` > 0 a carbon shell of that
    thickness outside the nearer lobe circle, ``amp * sqrt(rim_nm - e)`` at distance ``e``
    (the projected chord of a thin shell, as :func:`_neck_model`) blurred along ``e``, is
    part of the model with a fitted amplitude ``amp``: whitening weighs the shell's sharp
    outer edge, which the lobes alone would try to fit.

    Returns (values, one-sigma errors, success), each keyed as ``start`` plus ``gap``
    (``d - r1 - r2``) and ``d``. The errors are those of generalised least squares (the
    whitened Jacobian), scaled by the whitened residuals' variance.

    Notes
    -----
    Whitening the zero-filled residual image weighs the masked pixels with the precision
    matrix's block, not the inverse of the covariance's block: any fixed positive-definite
    weighting leaves the estimate consistent; only its efficiency differs. On the support
    texture of the accuracy test movies (4 %, 0.4 nm grain) the centre distance of two lobes
    2.5 nm apart scatters by 0.085 nm from movie to movie with this fit against 0.17 nm with
    the unweighted fit to the pixels away from the gap (toy model of ``tests/analysis``;
    Cramér-Rao bound 0.06 nm).
    """
    names = _LOBE_NAMES
    npar = len(names)
    _rows, _cols, xs, ys, data, whiten = _whitened_region(tau, xx, yy, mask, kernel)

    @_last_call_cached
    def evaluate(key):
        model, jac = _two_lobe_terms(key, xs, ys, data, rim_nm, npar)
        jac[npar] = model - data
        # Whitened Jacobian only for accepted steps: one image instead of 11 per rejected one.
        return _LazyJac(whiten(jac[npar:])[0], lambda: whiten(jac)[:npar].T)

    p0, lo, hi = _lobe_start_bounds(start, max_sigma, rim_nm)
    p0 = np.clip(p0, lo + 1e-9, hi - 1e-9)
    res = _levenberg_marquardt(evaluate, p0, lo, hi, max_iter=40)
    return _lobe_fit_summary(res, names)


def _lobe_start_bounds(start, max_sigma: float, rim_nm: float):
    """Start and bounds of the whitened fits' lobe parameters ``x1 y1 r1 x2 y2 r2 k b sigma
    amp`` from ``start``: centres within 1 nm, radii within 20 %, the blur below
    ``max_sigma`` (its start 0.02 nm under the start's, as the fits add 0.02), the shell's
    amplitude free only with ``rim_nm`` > 0."""
    p0 = np.array([start.get(n, 0.0) for n in _LOBE_NAMES], dtype=np.float64)
    p0[8] = max(p0[8] - 0.02, 0.01)
    r1, r2 = p0[2], p0[5]
    lo = np.array([p0[0] - 1.0, p0[1] - 1.0, 0.8 * r1, p0[3] - 1.0, p0[4] - 1.0, 0.8 * r2,
                   0.0, -np.inf, 0.0, -np.inf if rim_nm > 0 else 0.0])
    hi = np.array([p0[0] + 1.0, p0[1] + 1.0, 1.2 * r1, p0[3] + 1.0, p0[4] + 1.0, 1.2 * r2,
                   np.inf, np.inf, max_sigma, np.inf if rim_nm > 0 else 0.0])
    return p0, lo, hi


def _lobe_fit_summary(res, names):
    """(values, one-sigma errors, success) of a whitened fit's result ``res`` (parameters
    ``names``, the first ten the lobes'), plus the centre distance ``d`` and the gap
    ``d - r1 - r2`` with their propagated errors; the errors are generalised least squares'
    (the whitened Jacobian), scaled by the whitened residuals' variance."""
    npar = len(names)
    x = res.x.copy()
    x[8] = abs(x[8]) + 0.02
    dof = max(res.fun.size - x.size, 1)
    s2 = float(res.fun @ res.fun) / dof
    try:
        cov = np.linalg.pinv(res.jac.T @ res.jac) * s2
    except np.linalg.LinAlgError:
        cov = np.full((npar, npar), np.inf)
    vals = dict(zip(names, (float(v) for v in x), strict=True))
    errs = dict(zip(names, (float(v) for v in np.sqrt(np.clip(np.diag(cov), 0.0, None))),
                    strict=True))
    d = math.hypot(x[3] - x[0], x[4] - x[1])
    u = np.array([x[3] - x[0], x[4] - x[1]]) / max(d, 1e-12)
    grad_d = np.zeros(npar)
    grad_d[[0, 1, 3, 4]] = (-u[0], -u[1], u[0], u[1])
    grad_g = grad_d.copy()
    grad_g[[2, 5]] = -1.0
    vals["d"], vals["gap"] = float(d), float(d - x[2] - x[5])
    errs["d"] = float(math.sqrt(max(grad_d @ cov @ grad_d, 0.0)))
    errs["gap"] = float(math.sqrt(max(grad_g @ cov @ grad_g, 0.0)))
    ok = bool(res.success and np.all(np.isfinite(x)) and np.all(np.isfinite(cov)))
    return vals, errs, ok


def fit_dimer_whitened(
    tau: np.ndarray, xx: np.ndarray, yy: np.ndarray, mask: np.ndarray, kernel: np.ndarray,
    start: dict[str, float], *, max_sigma: float = 1.5, rim_nm: float = 0.0,
    rn_starts: tuple[float, ...] = (1.0, 2.5), supersample: int = 2,
) -> tuple[dict[str, float], dict[str, float], float]:
    """Two lobes joined by a neck, fitted to the whole region by generalised least squares,
    and the evidence for the neck: the whitened sum of squares' drop from no neck.

    The model of :func:`fit_two_lobes_whitened` (two blurred projected chords, background,
    carbon shell outside the nearer circle) plus the neck: the revolved Figure 3g outline
    (two circles joined by the arc tangent to both whose lowest point is at ``rn``,
    :func:`nanosinter.analysis._dimer_fit.half_width`) minus the two spheres' chords that
    the lobe terms add (overlapping lobes: their lens twice), in projected thickness times
    ``k``, with the shell moved from the circles to that outline
    (:func:`outline_distance`). The neck term is computed on a ``supersample``-times finer
    grid in a box of +-4 nm along the line of centres around the gap's middle and +-(smaller
    radius + 2 nm) across, blurred by the fitted blur and averaged back onto the pixels; its
    derivatives by the lobe geometry and ``rn`` are finite differences (0.02 nm).

    The no-neck fit (``rn`` = 0: the model is then exactly :func:`fit_two_lobes_whitened`'s)
    and the neck fits from each of ``rn_starts`` (nm; the lobes from the no-neck solution)
    are run; the best neck fit is returned (the no-neck fit, ``rn`` = 0 and ``dchi2`` = 0,
    when none is better or ``rn_starts`` is empty). ``dchi2`` = (no-neck minus neck whitened sum of
    squares) / (the no-neck fit's whitened residual variance): the generalised likelihood
    ratio statistic of a neck against none, with the lobes, contrast, blur, shell and
    background free under both hypotheses; ~chi-square with one degree of freedom (half of
    it at 0) when the noise model is right and there is no neck.

    Returns ``(values, errors, dchi2)``: values and one-sigma errors keyed as ``start`` plus
    ``rn``, ``gap`` and ``d`` (the neck fit's), errors scaled by its whitened residual variance.

    References
    ----------
    .. [1] S. M. Kay, *Fundamentals of Statistical Signal Processing: Detection Theory*,
       Prentice Hall 1998, sec. 6.4-6.5 (generalised likelihood ratio test, nuisance
       parameters).
    .. [2] Tang et al., Nanomaterials 13, 3082 (2023), Figure 3g, doi:10.3390/nano13243082.
    """
    from nanosinter.analysis._dimer_fit import half_width

    names = (*_LOBE_NAMES, "rn")
    npar = len(names)
    rows, cols, xs, ys, data, whiten = _whitened_region(tau, xx, yy, mask, kernel)
    ny, nx = tau.shape
    g = float(xx[0, 1] - xx[0, 0]) if nx > 1 else 1.0
    q = max(int(supersample), 1)

    # The neck box (fixed during the fit: the lobes move by < 1 nm), on a grid q x finer.
    x1s, y1s, x2s, y2s = start["x1"], start["y1"], start["x2"], start["y2"]
    d0 = max(math.hypot(x2s - x1s, y2s - y1s), 1e-9)
    u0 = ((x2s - x1s) / d0, (y2s - y1s) / d0)
    s_c = (xx - x1s) * u0[0] + (yy - y1s) * u0[1]
    t_c = -(xx - x1s) * u0[1] + (yy - y1s) * u0[0]
    smid = start["r1"] + 0.5 * (d0 - start["r1"] - start["r2"])
    box = (np.abs(s_c - smid) <= 4.0) & (np.abs(t_c) <= min(start["r1"], start["r2"]) + 2.0)
    bi, bj = np.nonzero(box)
    pad = 3
    i0, i1 = max(int(bi.min()) - pad, 0), min(int(bi.max()) + 1 + pad, ny)
    j0, j1 = max(int(bj.min()) - pad, 0), min(int(bj.max()) + 1 + pad, nx)
    sub = ((np.arange(q) + 0.5) / q - 0.5) * g
    fxx, fyy = np.meshgrid((xx[0, j0:j1][:, None] + sub[None, :]).ravel(),
                           (yy[i0:i1, 0][:, None] + sub[None, :]).ravel())
    in_patch = np.nonzero((rows >= i0) & (rows < i1) & (cols >= j0) & (cols < j1))[0]
    pr, pc = rows[in_patch] - i0, cols[in_patch] - j0

    def raw_shell(e):
        return np.where((e > 0) & (e < rim_nm), np.sqrt(np.clip(rim_nm - e, 0.0, None)), 0.0)

    def neck_raw(geo):
        # Projected thickness and shell of the neck outline minus those of the two circles.
        x1, y1, r1, x2, y2, r2, rn = geo
        d = max(math.hypot(x2 - x1, y2 - y1), 1e-9)
        u = ((x2 - x1) / d, (y2 - y1) / d)
        s = (fxx - x1) * u[0] + (fyy - y1) * u[1]
        t = -(fxx - x1) * u[1] + (fyy - y1) * u[0]
        tt = t * t
        rho = half_width(s, r1, r2, d, rn)
        # minus both spheres' chords (the lobe terms add them, overlap lens twice)
        thick = 2.0 * (np.sqrt(np.clip(rho * rho - tt, 0.0, None))
                       - np.sqrt(np.clip(r1 * r1 - s * s - tt, 0.0, None))
                       - np.sqrt(np.clip(r2 * r2 - (s - d) ** 2 - tt, 0.0, None)))
        if rim_nm <= 0:
            return thick, None
        e_c = np.minimum(np.hypot(s, t) - r1, np.hypot(s - d, t) - r2)
        e_o = outline_distance(s, t, r1, r2, d, rn)
        shell = np.where(np.abs(t) <= rho, 0.0, raw_shell(e_o)) - raw_shell(e_c)
        return thick, shell

    def blur_bin(img, sig):
        out = ndi.gaussian_filter(img, sig * q / g, mode="constant")
        h, w = out.shape
        return out.reshape(h // q, q, w // q, q).mean(axis=(1, 3))[pr, pc]

    geo_rows = (0, 1, 2, 3, 4, 5, 10)
    h_fd = 0.02

    @_last_call_cached
    def evaluate(key):
        model, jac = _two_lobe_terms(key, xs, ys, data, rim_nm, npar)
        k, s, amp, rn = key[6], key[8], key[9], key[10]
        sa = abs(s) + 0.02
        neck = rn > 0 and in_patch.size > 0
        if neck:
            geo = [key[0], key[1], abs(key[2]), key[3], key[4], abs(key[5]), rn]
            th, sh = neck_raw(geo)
            nt = blur_bin(th, sa)
            model[in_patch] += k * nt
            jac[6, in_patch] += nt
            base = k * th
            if sh is not None:
                ns = blur_bin(sh, sa)
                model[in_patch] += amp * ns
                jac[9, in_patch] += ns
                base = base + amp * sh
        jac[npar] = model - data

        def whitened_jacobian():
            # The neck term's finite differences (7 neck images) and the whitening only
            # for accepted steps (Levenberg-Marquardt rejects about half its trial steps).
            if neck:
                for gi, pi in enumerate(geo_rows):
                    gp = list(geo)
                    gp[gi] += h_fd
                    th2, sh2 = neck_raw(gp)
                    new = k * th2 + (amp * sh2 if sh2 is not None else 0.0)
                    jac[pi, in_patch] += blur_bin(new - base, sa) / h_fd
            return whiten(jac[:npar]).T

        return _LazyJac(whiten(jac[npar:])[0], whitened_jacobian)

    p0, lo, hi = _lobe_start_bounds(start, max_sigma, rim_nm)
    p0, lo, hi = np.append(p0, 0.0), np.append(lo, 0.0), np.append(hi, 0.95 * min(p0[2], p0[5]))
    p0 = np.clip(p0, lo, hi)
    # No neck: rn held at 0 (its Jacobian row is dropped by the bounds' zero width).
    lo0, hi0 = lo.copy(), hi.copy()
    hi0[10] = 0.0
    res0 = _levenberg_marquardt(evaluate, p0, lo0, hi0, max_iter=40)
    best = None
    for rn0 in rn_starts:
        p1 = res0.x.copy()
        p1[10] = min(float(rn0), hi[10])
        res = _levenberg_marquardt(evaluate, p1, lo, hi, max_iter=40)
        if best is None or float(res.fun @ res.fun) < float(best.fun @ best.fun):
            best = res
    if best is None or float(best.fun @ best.fun) > float(res0.fun @ res0.fun):
        best = res0  # no neck start, or none below the no-neck fit: no neck
    chi0 = float(res0.fun @ res0.fun)
    chi1 = float(best.fun @ best.fun)
    dchi2 = (chi0 - chi1) / max(chi0 / max(res0.fun.size - npar + 1, 1), 1e-300)
    vals, errs, _ok = _lobe_fit_summary(best, names)
    return vals, errs, float(dchi2)


def _two_lobe_terms(key, xs, ys, data, rim_nm: float, npar: int):
    """Model and Jacobian rows of two blurred projected chords (shared contrast ``k``,
    background ``b``, blur ``s``) plus a carbon shell of amplitude ``amp`` outside the nearer
    circle, at the points ``xs``, ``ys``; ``key`` starts ``x1 y1 r1 x2 y2 r2 k b s amp``.

    Returns ``(model, jac)`` with ``jac`` of ``npar + 1`` rows: one per parameter (in the
    order of ``key``; rows past ``amp`` zero) and a last row left for the residual.
    """
    x1, y1, r1, x2, y2, r2, k, b, s, amp = key[:10]
    sa = abs(s) + 0.02
    ds = 1.0 if s >= 0 else -1.0
    model = np.full(data.size, b)
    jac = np.zeros((npar + 1, data.size))
    e_l, de_l = [], []
    for j, (x, y, r) in enumerate(((x1, y1, r1), (x2, y2, r2))):
        ex, ey = xs - x, ys - y
        rho = np.hypot(ex, ey)
        c, dc_drho, dc_dr, dc_ds = chord_tables(rho, abs(r), sa)
        g = -k * dc_drho / np.maximum(rho, 1e-9)
        model += k * c
        jac[3 * j] = g * ex
        jac[3 * j + 1] = g * ey
        jac[3 * j + 2] = k * dc_dr * (1.0 if r >= 0 else -1.0)
        jac[6] += c
        jac[8] += k * dc_ds * ds
        e_l.append(rho - abs(r))
        # d e / d (x, y, r) of this lobe
        de_l.append((-ex / np.maximum(rho, 1e-9), -ey / np.maximum(rho, 1e-9)))
    jac[7] = 1.0
    if rim_nm > 0:
        near = e_l[0] <= e_l[1]
        e = np.where(near, e_l[0], e_l[1])
        prof, dprof = _shell_profile(e, rim_nm, sa)
        model += amp * prof
        jac[9] = prof
        for j, sel in ((0, near), (1, ~near)):
            gx, gy = de_l[j]
            jac[3 * j] += np.where(sel, amp * dprof * gx, 0.0)
            jac[3 * j + 1] += np.where(sel, amp * dprof * gy, 0.0)
            jac[3 * j + 2] += np.where(sel, -amp * dprof, 0.0)
    return model, jac


def _shell_profile(e: np.ndarray, rim_nm: float, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """``sqrt(rim_nm - e)`` for ``0 < e < rim_nm`` (else 0) blurred by a 1-D Gaussian
    ``sigma`` along ``e``, and its derivative by ``e`` (tables, interpolated)."""
    h = max(min(sigma / 4.0, 0.02), 0.002)
    g = np.arange(-rim_nm - 6 * sigma, 2 * rim_nm + 6 * sigma + h, h)
    raw = np.where((g > 0) & (g < rim_nm), np.sqrt(np.clip(rim_nm - g, 0.0, None)), 0.0)
    kx = np.arange(-math.ceil(4 * sigma / h), math.ceil(4 * sigma / h) + 1) * h
    ker = np.exp(-0.5 * (kx / sigma) ** 2)
    ker /= ker.sum()
    tab = np.convolve(raw, ker, mode="same")
    dtab = np.gradient(tab, h)
    return (np.interp(e, g, tab, left=0.0, right=0.0),
            np.interp(e, g, dtab, left=0.0, right=0.0))


@dataclass
class _LMResult:
    x: np.ndarray
    fun: np.ndarray
    jac: np.ndarray
    success: bool
    nfev: int


def _levenberg_marquardt(evaluate, p0, lo, hi, *, max_iter=100, rtol=1e-6):
    """Bounded Levenberg-Marquardt on the normal equations (few parameters, many pixels).

    ``evaluate(p)`` returns a mapping with ``resid`` (n,) and ``jac`` (n, m), new arrays on
    every call (they are kept, not copied). Steps are
    ``(J^T J + lam diag(J^T J)) dp = -J^T r`` (Marquardt's scaling), clipped to the bounds;
    a step that lowers the sum of squares is taken and ``lam`` divided by 3, otherwise
    ``lam`` is multiplied by 4. Stops when an accepted step lowers the sum of squares by less
    than ``rtol`` (relative) or moves every parameter by less than a quarter of its standard
    error, or after ``max_iter`` evaluations. Solving the m x m
    normal equations avoids the SVD of the n x m Jacobian of scipy's dense trust-region
    solver (the tall SVD dominated the time of a frame).

    References
    ----------
    .. [1] D. W. Marquardt, J. Soc. Ind. Appl. Math. 11, 431 (1963), doi:10.1137/0111030.
    """
    p = np.clip(np.asarray(p0, dtype=np.float64), lo, hi)
    st = evaluate(p)
    # ``evaluate`` returns new arrays on every call (both callers here do): kept without
    # copies.
    r, jac = st["resid"], st["jac"]
    cost = float(r @ r)
    lam = 1e-3
    nfev = 1
    success = False
    while nfev < max_iter:
        a = jac.T @ jac
        g = jac.T @ r
        dg = np.maximum(np.diag(a), 1e-12 * max(float(np.diag(a).max()), 1e-300))
        try:
            step = np.linalg.solve(a + lam * np.diag(dg), -g)
        except np.linalg.LinAlgError:
            lam *= 4.0
            continue
        p_new = np.clip(p + step, lo, hi)
        st = evaluate(p_new)
        nfev += 1
        r_new = st["resid"]
        cost_new = float(r_new @ r_new)
        if np.isfinite(cost_new) and cost_new <= cost:
            # Converged when the relative decrease is below rtol or every parameter moved
            # by less than a quarter of its standard error (further steps are noise).
            try:
                sd = np.sqrt(np.clip(np.diag(np.linalg.pinv(a)), 0.0, None)
                             * cost / max(r.size - p.size, 1))
            except np.linalg.LinAlgError:
                sd = np.full(p.size, np.inf)
            done = ((cost - cost_new <= rtol * cost)
                    or bool(np.all(np.abs(p_new - p) <= 0.25 * sd)))
            p, r, jac, cost = p_new, r_new, st["jac"], cost_new
            lam = max(lam / 3.0, 1e-9)
            if done:
                success = True
                break
        else:
            lam *= 4.0
            if lam > 1e8:
                success = True  # no descent direction left: at a minimum
                break
    return _LMResult(p, r, jac, success, nfev)


def _axis_coordinates(shape, pixel_size_nm: float, c1_xy, axis_u) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates (nm) along (``s``) and across (``t``) the line of centres,
    from lobe 1's centre ``c1_xy``, for an image of ``shape``."""
    ny, nx = shape
    xx, yy = np.meshgrid(np.arange(nx) * pixel_size_nm, np.arange(ny) * pixel_size_nm)
    rel_x, rel_y = xx - c1_xy[0], yy - c1_xy[1]
    return (rel_x * axis_u[0] + rel_y * axis_u[1], -rel_x * axis_u[1] + rel_y * axis_u[0])


def _scaled_fit(m: np.ndarray, data: np.ndarray) -> tuple[float, float, float]:
    """Sum of squares, background and contrast scale of ``scale * m + off`` fitted to ``data``.

    Scale and background enter linearly and are solved exactly, so that a neck radius is set
    by the shape of the model, not by its contrast (the lobes' ``k`` is only a start); a
    ridge towards scale 1 (10 % prior width) keeps thin necks stable.
    """
    m0 = m - m.mean()
    dd = data - data.mean()
    lam = float(m0 @ m0) * 0.01  # (1 / 0.1)^-2 relative weight of the scale prior
    scale = (float(m0 @ dd) + lam) / (float(m0 @ m0) + lam) if m0.any() else 1.0
    off = float(np.mean(data - scale * m))
    r = scale * m + off - data
    return float(r @ r), off, scale


def _grid_minimum(cost, grid: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Minimum of ``cost`` over the 41-point ``grid``: every 4th point, then the points within
    one coarse step of the coarse minimum, then a parabola through the best three.

    The cost can have a shallow false minimum near the grid's start when a notch is blurred,
    so the search is global on the coarse scale; it finds the full grid's minimum whenever
    the cost is unimodal on that scale, at half the evaluations. Returns the minimiser, the
    cost's second derivative there (NaN at the grid's ends or without a convex parabola) and
    the costs (inf where not evaluated; the first point always is).
    """
    done: dict[int, float] = {}

    def at(j):
        if j not in done:
            done[j] = cost(float(grid[j]))
        return done[j]

    jc = min(range(0, grid.size, 4), key=at)
    for j in range(max(jc - 4, 0), min(jc + 5, grid.size)):
        at(j)
    costs = np.array([done.get(j, np.inf) for j in range(grid.size)])
    i = int(np.argmin(costs))
    best = float(grid[i])
    h = float(grid[1] - grid[0])
    curv = math.nan
    if 0 < i < grid.size - 1:
        cm, c0, cp = costs[i - 1], costs[i], costs[i + 1]
        den = cm - 2 * c0 + cp
        if den > 0:
            best = float(grid[i] + 0.5 * h * (cm - cp) / den)
            curv = den / (h * h)
    return best, curv, costs


def _overlap_half_chord(r1: float, r2: float, d: float, r_cap: float) -> float:
    """Half chord of two overlapping lobe circles (the smallest neck their union has; 0 for
    circles apart), at most ``r_cap / 2``."""
    if not (0 < d < r1 + r2):
        return 0.0
    xi = (d * d + r1 * r1 - r2 * r2) / (2 * d)
    return min(math.sqrt(max(r1 * r1 - xi * xi, 0.0)), 0.5 * r_cap)


def _grid_error(cost, grid: np.ndarray, best: float, curv: float, costs: np.ndarray,
                c_best: float, var: float) -> float:
    """One-sigma error of a :func:`_grid_minimum` minimiser of a sum of squares whose noise
    variance is ``var``: from its curvature, ``sqrt(2 var / curv)``; at the grid's start, the
    one-sided profile interval (:func:`_rise_distance`, the sum of squares up by ``var``);
    otherwise (no convex parabola) one grid step."""
    if np.isfinite(curv) and curv > 0:
        return math.sqrt(2 * var / curv)
    if best == grid[0]:
        return _rise_distance(cost, grid, costs, c_best, var)
    return float(grid[1] - grid[0])


def _rise_distance(cost, grid: np.ndarray, costs: np.ndarray, c_best: float,
                   rise: float) -> float:
    """One-sided profile interval of a minimum at ``grid[0]``: the distance along the grid
    to where ``cost`` first exceeds ``c_best + rise`` (linear between grid points; the
    unevaluated points of ``costs`` are evaluated on the way). The whole grid's span when the
    cost never rises that far (nothing measured)."""
    prev_r, prev_c = float(grid[0]), c_best
    for j in range(1, grid.size):
        c = float(costs[j]) if np.isfinite(costs[j]) else float(cost(float(grid[j])))
        if c - c_best >= rise:
            frac = (c_best + rise - prev_c) / max(c - prev_c, 1e-300)
            return float(prev_r + np.clip(frac, 0.0, 1.0) * (grid[j] - prev_r) - grid[0])
        prev_r, prev_c = float(grid[j]), max(c, c_best)
    return float(grid[-1] - grid[0])


def _neck_model(shape, pixel_size_nm: float, c1_xy, axis_u, r1: float, r2: float, d: float,
                k: float, sigma: float, rim_amp: float = 0.0, rim_nm: float = 0.0):
    """Model image of a neck of radius ``rn`` on a crop, as a function of ``rn``.

    The revolved Figure 3g outline's projected thickness times ``k``, with (``rim_amp``,
    ``rim_nm`` > 0) a carbon shell ``rim_amp * sqrt(rim_nm - e)`` at distance ``e`` outside
    the model's own outline (:func:`outline_distance`), blurred by a 2-D Gaussian ``sigma``.
    Returns ``(model, r_cap)``; ``rn`` is capped at ``r_cap`` (just below the smaller lobe).
    """
    from nanosinter.analysis._dimer_fit import half_width

    s, t = _axis_coordinates(shape, pixel_size_nm, c1_xy, axis_u)
    sig_px = sigma / pixel_size_nm
    r_cap = 0.999 * min(r1, r2)

    def model(rn):
        rn_c = min(abs(rn), r_cap)
        rho = half_width(s, r1, r2, d, rn_c)
        img = 2.0 * k * np.sqrt(np.clip(rho * rho - t * t, 0.0, None))
        if rim_amp > 0 and rim_nm > 0:
            dist = outline_distance(s, t, r1, r2, d, rn_c)
            outside = np.abs(t) > rho
            img += np.where(outside, rim_amp * np.sqrt(np.clip(rim_nm - dist, 0.0, None)), 0.0)
        if sig_px > 0.05:
            img = ndi.gaussian_filter(img, sig_px, mode="nearest")
        return img

    return model, r_cap


def fit_neck_image(
    tau: np.ndarray, pixel_size_nm: float, *, c1_xy, axis_u, r1: float, r2: float, d: float,
    k: float, b: float, sigma: float, rn0: float, window: np.ndarray, inflate: float = 1.0,
    noise_kernel: np.ndarray | None = None,
) -> ProfileFit:
    """Fit the neck radius to the image of the neck region with the Figure 3g outline.

    With the lobes fixed (centres, radii, contrast per nm ``k`` and blur from the lobe fits)
    the projected thickness of the revolved outline ``rho(s)`` (two circles joined by an arc
    tangent to both whose lowest point is at ``rn``) is computed on the pixel grid, blurred by
    a 2-D Gaussian ``sigma`` (so the filling of a sharp notch by the blur is modelled) and
    compared with the contrast inside ``window``; ``rn`` (grid search then parabola) and the
    background ``b`` (linear, exact) are fitted; ``b`` and ``rn0`` are not needed as starts.

    With ``noise_kernel`` (the support's noise autocovariance on this pixel grid,
    :func:`nanosinter.analysis._uncert.support_autocovariance`) the error ``rn_total`` is
    propagated under that correlated noise (support texture included; contrast scale and
    background profiled out); ``rn`` keeps the white-noise error that the contact tests use.

    Returns
    -------
    ProfileFit
        keys ``rn``, ``b`` (errors: ``rn``, ``b`` and, with ``noise_kernel``, ``rn_total``).

    References
    ----------
    .. [1] Tang et al., Nanomaterials 13, 3082 (2023), Figure 3g, doi:10.3390/nano13243082.
    """
    model, r_cap = _neck_model(tau.shape, pixel_size_nm, c1_xy, axis_u, r1, r2, d, k, sigma)
    data = tau[window]
    n = int(data.size)

    def cost(rn):
        return _scaled_fit(model(rn)[window], data)

    # Global search on a grid of rn (_grid_minimum) from the half chord of overlapping lobe
    # circles (every smaller radius is the same model, no arc; 0 for lobes apart), so that a
    # neck the data cannot tell from the lobes' own overlap comes out at that chord.
    rn_lo = _overlap_half_chord(r1, r2, d, r_cap)
    grid = np.linspace(rn_lo, r_cap, 41)
    best, curv, costs = _grid_minimum(lambda rn: cost(rn)[0], grid)
    cost0 = float(costs[0])
    h = float(grid[1] - grid[0])
    c_best, off, scale = cost(best)
    s2 = c_best / max(n - 2, 1)
    err = _grid_error(lambda rn: cost(rn)[0], grid, best, curv, costs, c_best, s2 * inflate)
    # Evidence for a neck at all: the drop of the (noise-normalised) sum of squares from the
    # no-neck model (rn = 0) to the best fit, a chi-square-like statistic with one parameter.
    dchi2 = (cost0 - c_best) / max(s2 * inflate, 1e-300)
    errors = {"rn": max(err, 0.0), "b": math.sqrt(s2 / n)}
    if noise_kernel is not None and np.isfinite(curv):
        from nanosinter.analysis._uncert import sandwich_covariance

        # d model / d rn on the window, with the linear nuisances (scale x model, background)
        # projected out; var(rn) = g^T Sigma g / (g^T g)^2 for the projected derivative g.
        step = 0.5 * h
        m_best = model(best)[window]
        g = scale * (model(min(best + step, r_cap))[window]
                     - model(max(best - step, 0.0))[window]) / (
            min(best + step, r_cap) - max(best - step, 0.0))
        q = np.column_stack([m_best, np.ones_like(m_best)])
        coef, *_ = np.linalg.lstsq(q, g, rcond=None)
        g = g - q @ coef
        if float(g @ g) > 0:
            rows, cols = np.nonzero(window)
            var = sandwich_covariance(g[:, None], rows, cols, noise_kernel,
                                      c_best / max(n, 1))[0, 0]
            errors["rn_total"] = math.sqrt(max(float(var), 0.0))
    return ProfileFit({"rn": best, "b": off, "scale": scale, "dchi2": dchi2},
                      errors, math.sqrt(c_best / max(n, 1)), n, bool(np.isfinite(curv)))


def _far_side_parts(delta, sig, radii, centres, offs, rim_nm):
    """The far-side model's two basis profiles at the bin centres, both lobes: the blurred
    sphere chord ``C`` and the blurred shell ``S`` (each (2, n)); the model is
    ``k C + amp S + b``, the blurred radial contrast of a sphere in a carbon shell.

    For lobe j of radius ``R = radii[j] + delta[j]``, on the grid ``x = R + offs`` (distance
    from the centre, uniform step): the sphere's chord ``C = 2 sqrt(R^2 - x^2)``; the shell,
    at ``e = x - R`` outside the edge, ``S = sqrt(rim_nm - e)`` for ``0 < e < rim_nm`` (the
    chord ``2 sqrt(2 R_c (t - e))`` through a shell of thickness ``t`` around a body of
    curvature radius ``R_c``, so ``amp = 2 k_c sqrt(2 R_c)`` with the carbon's contrast per
    nm ``k_c``). Both are blurred along ``x`` by a Gaussian ``sig`` whose kernel support is
    fixed at 4 nm (not by ``sig``, so that the profiles change smoothly with ``sig``: a
    support that jumps by a grid step gives finite-difference Jacobians a spike), then
    linearly interpolated at ``radii[j] + centres``. Both lobes are computed as (2, n)
    arrays: the fit evaluates this ~30 times per frame, and with one call per lobe the
    overhead of small arrays dominated.
    """
    h = float(offs[1] - offs[0])
    delta = np.asarray(delta, dtype=np.float64).reshape(2, 1)
    rad = np.asarray(radii, dtype=np.float64)[:, None] + delta
    grid = rad + offs
    chord = 2.0 * np.sqrt(np.clip(rad * rad - grid * grid, 0.0, None))
    e = grid - rad
    shell = np.where(e > 0, np.sqrt(np.clip(rim_nm - e, 0.0, None)), 0.0)
    # Kernel support fixed: +-4 x max(1 nm, sig).
    nk = max(math.ceil(4 * max(1.0, sig) / h), 1)
    ker = np.exp(-0.5 * (np.arange(-nk, nk + 1) * h / sig) ** 2)
    ker /= ker.sum()
    raw = np.pad(np.concatenate([chord, shell]), ((0, 0), (nk, nk)), mode="edge")
    prof = np.stack([np.convolve(row, ker, mode="valid") for row in raw])
    # radii + centres on the grid radius + offs: index (centres - delta - offs[0]) / h,
    # clamped at the ends as np.interp.
    t = np.concatenate([centres[None, :] - delta] * 2) - offs[0]
    t /= h
    j0 = np.clip(np.floor(t).astype(int), 0, offs.size - 2)
    f = np.clip(t - j0, 0.0, 1.0)
    v = np.take_along_axis(prof, j0, 1) * (1 - f) + np.take_along_axis(prof, j0 + 1, 1) * f
    return v[:2], v[2:]


def _far_side_residual(p, radii, centres, mean, w, offs, rim_nm, parts=None):
    """Weighted residual ``w * (k C + amp S + b - mean)`` of :func:`fit_far_side_rim`, both
    lobes (``p`` = (delta1, delta2, k, amp, sigma, b); ``parts`` = ``(C, S)`` of
    :func:`_far_side_parts` at ``p`` when already computed)."""
    d1, d2, k, amp, sig, b = p
    c, sh = parts if parts is not None else _far_side_parts((d1, d2), sig, radii, centres,
                                                             offs, rim_nm)
    return (w * (k * c + amp * sh + b - mean)).ravel()


def _far_side_jacobian(p, radii, centres, w, offs, rim_nm, lo, hi, parts=None):
    """Jacobian of :func:`_far_side_residual`: exact for the linear ``k``, ``amp`` and
    ``b``; forward differences (step as SciPy's "2-point", turned back at a bound) for the
    two edge shifts (one evaluation: lobe j's rows depend on delta_j only) and the blur.
    ``parts`` as in :func:`_far_side_residual`."""
    d1, d2, k, amp, sig, _b = p
    c, sh = parts if parts is not None else _far_side_parts((d1, d2), sig, radii, centres,
                                                             offs, rim_nm)
    base = k * c + amp * sh
    eps = np.finfo(float).eps ** 0.5

    def step(i):
        hstep = eps * max(1.0, abs(p[i]))
        return -hstep if p[i] + hstep > hi[i] else hstep

    hd = np.array([step(0), step(1)])
    c1, s1 = _far_side_parts((d1 + hd[0], d2 + hd[1]), sig, radii, centres, offs, rim_nm)
    d_delta = (k * c1 + amp * s1 - base) / hd[:, None]
    hs = step(4)
    c2, s2 = _far_side_parts((d1, d2), sig + hs, radii, centres, offs, rim_nm)
    d_sig = (k * c2 + amp * s2 - base) / hs
    nb = centres.size
    jac = np.zeros((2 * nb, 6))
    jac[:nb, 0] = (w[0] * d_delta[0])
    jac[nb:, 1] = (w[1] * d_delta[1])
    jac[:, 2] = (w * c).ravel()
    jac[:, 3] = (w * sh).ravel()
    jac[:, 4] = (w * d_sig).ravel()
    jac[:, 5] = w.ravel()
    return jac


def far_side_bins(e_nm: np.ndarray, tau: np.ndarray, lobe: np.ndarray, *, rim_nm: float = 1.0,
                  bin_nm: float = 0.05) -> np.ndarray:
    """Pixel counts and contrast sums of the far sides per lobe and ``bin_nm`` bin of the
    distance ``e_nm`` outside the fitted circle (``-1.5 .. rim_nm + 1.5`` nm): an array
    (2, 2, nb), ``[0]`` the counts and ``[1]`` the sums, so that frames can be pooled by
    adding (:func:`fit_far_side_rim` ``bins``)."""
    e_nm = np.asarray(e_nm, dtype=np.float64)
    tau = np.asarray(tau, dtype=np.float64)
    lobe = np.asarray(lobe).astype(int)
    lo_e, hi_e = -1.5, rim_nm + 1.5
    nb = round((hi_e - lo_e) / bin_nm)
    idx = np.floor((e_nm - lo_e) / bin_nm).astype(int)
    ok = (idx >= 0) & (idx < nb)
    flat = lobe[ok] * nb + idx[ok]
    cnt = np.bincount(flat, minlength=2 * nb).reshape(2, nb).astype(np.float64)
    tot = np.bincount(flat, weights=tau[ok], minlength=2 * nb).reshape(2, nb)
    return np.stack([cnt, tot])


def fit_far_side_rim(
    e_nm: np.ndarray | None, tau: np.ndarray | None, lobe: np.ndarray | None, radii, *,
    k0: float, sigma0: float = 0.2, amp0: float = 0.02, rim_nm: float = 1.0,
    bin_nm: float = 0.05, bins: np.ndarray | None = None,
) -> ProfileFit:
    """Carbon-shell contrast and blur from the lobes' far sides (where only the rim is outside).

    ``e_nm`` is each pixel's distance outside its lobe's fitted circle (negative inside),
    ``lobe`` (0 or 1) its lobe, ``radii`` the fitted radii; or, instead of the three,
    ``bins`` from :func:`far_side_bins` (summed over frames to pool them). The result's
    ``n_pixels`` is the number of pixels in the bins (pooled: over the frames). The mean
    contrast per ``bin_nm`` bin of ``e`` is fitted with the blurred radial profile of a
    sphere in a carbon shell of thickness ``rim_nm`` (:func:`_far_side_parts`): each lobe's
    edge shift ``delta`` (the radius the rim model gives minus the fitted radius), and the
    shared contrast per nm
    ``k``, shell amplitude ``amp`` (>= 0), blur ``sigma`` and background ``b``. A sphere
    model without the shell absorbs the rim into a blur 3-5 times the true one (measured on
    the test movies: 0.5-0.8 nm instead of ~0.15 nm), which then fills a concave neck in the
    neck model; the shell model separates the two.

    Returns
    -------
    ProfileFit
        keys ``delta1, delta2, k, amp, sigma, b`` (nm, nm, 1/nm, 1/sqrt(nm), nm, -).

    References
    ----------
    .. [1] D. B. Williams, C. B. Carter, Transmission Electron Microscopy, 2nd ed., Springer
       (2009), ch. 22, doi:10.1007/978-0-387-76501-3 (contrast proportional to mass-thickness,
       so the shell's contrast is its projected chord times the carbon's contrast per nm).
    """
    if bins is None:
        bins = far_side_bins(e_nm, tau, lobe, rim_nm=rim_nm, bin_nm=bin_nm)
    cnt, tot = bins
    n_pix = round(float(cnt.sum()))
    lo_e, hi_e = -1.5, rim_nm + 1.5
    nb = round((hi_e - lo_e) / bin_nm)
    use = cnt >= 5
    mean = np.where(use, tot / np.maximum(cnt, 1), 0.0)
    w = np.sqrt(cnt) * use
    centres = lo_e + (np.arange(nb) + 0.5) * bin_nm
    h = 0.02

    offs = np.arange(lo_e - 1.0, hi_e + 1.0 + h / 2, h)
    radii_a = np.asarray(radii, dtype=np.float64)

    # SciPy asks for the Jacobian at the point whose residual it just took: the basis
    # profiles there are kept for it (one entry).
    last: dict = {}

    def parts_at(p):
        key = (float(p[0]), float(p[1]), float(p[4]))
        if last.get("key") != key:
            last["key"] = key
            last["parts"] = _far_side_parts(key[:2], key[2], radii_a, centres, offs, rim_nm)
        return last["parts"]

    def resid(p):
        return _far_side_residual(p, radii_a, centres, mean, w, offs, rim_nm, parts_at(p))

    p0 = np.array([0.0, 0.0, max(k0, 1e-4), max(amp0, 0.0), min(max(sigma0, 0.05), 0.9), 0.0])
    lo = np.array([-1.0, -1.0, 1e-5, 0.0, 0.03, -np.inf])
    hi = np.array([1.0, 1.0, np.inf, np.inf, 1.0, np.inf])
    names = ("delta1", "delta2", "k", "amp", "sigma", "b")
    if not (use[0].sum() >= 10 and use[1].sum() >= 10):
        nan = dict.fromkeys(names, math.nan)
        return ProfileFit(nan, dict(nan), math.nan, n_pix, False)
    res = least_squares(resid, p0, bounds=(lo, hi), method="trf",
                        jac=lambda p: _far_side_jacobian(p, radii_a, centres, w, offs, rim_nm,
                                                         lo, hi, parts_at(p)),
                        x_scale=np.array([0.05, 0.05, max(k0, 1e-3) * 0.1, 0.01, 0.05, 0.01]),
                        max_nfev=80, xtol=1e-6, ftol=1e-6)
    err = _covariance(res, 1.0)
    return ProfileFit(dict(zip(names, map(float, res.x), strict=True)),
                      dict(zip(names, map(float, err), strict=True)),
                      float(np.sqrt(np.mean(res.fun**2))), n_pix, bool(res.success))


def outline_distance(s: np.ndarray, t: np.ndarray, r1: float, r2: float, d: float,
                     rn: float) -> np.ndarray:
    """Distance (nm) from points ``(s, t)`` outside the Figure 3g outline to the outline.

    Axis coordinates: lobe 1 at ``s = 0``, lobe 2 at ``s = d``, ``t`` across. The outline is
    the boundary of the union of the two discs and the neck region under the arc tangent to
    both (:func:`nanosinter.analysis._dimer_fit.neck_arc`), so the distance from outside is
    the smallest of the distances to the discs and, where the nearest point of the arc's
    circle lies on the arc, ``R - |P - C_arc|``. Zero inside.
    """
    from nanosinter.analysis._dimer_fit import neck_arc

    at = np.abs(t)
    dist = np.minimum(np.hypot(s, at) - r1, np.hypot(s - d, at) - r2)
    arc = neck_arc(r1, r2, d, min(rn, 0.999 * min(r1, r2))) if rn > 0 else None
    if arc is not None:
        big_r, xc, yc = arc
        t1 = xc * r1 / (r1 + big_r)
        t2 = d + (xc - d) * r2 / (r2 + big_r)
        q = np.hypot(s - xc, at - yc)
        foot_s = xc + (s - xc) * big_r / np.maximum(q, 1e-12)
        on_arc = (q < big_r) & (at < yc) & (foot_s > t1) & (foot_s < t2)
        dist = np.where(on_arc, np.minimum(dist, big_r - q), dist)
    return np.clip(dist, 0.0, None)


def fit_neck_rim_image(
    tau: np.ndarray, pixel_size_nm: float, *, c1_xy, axis_u, r1: float, r2: float, d: float,
    k: float, sigma: float, rim_amp: float, rim_nm: float, window: np.ndarray,
    inflate: float = 1.0,
) -> ProfileFit:
    """Neck radius from the image of the neck region with the Figure 3g outline in a carbon shell.

    As :func:`fit_neck_image`, but the model is the revolved outline's projected thickness
    times ``k`` plus a carbon shell of thickness ``rim_nm`` and amplitude ``rim_amp`` at the
    distance from the model's own projected outline (:func:`outline_distance`: the two
    circles and the tangent arc, so the concave neck gets rim contrast from both lobes), both
    as measured on the lobes' far sides (:func:`fit_far_side_rim`), blurred by the physical
    ``sigma`` from the same fit. ``rn`` (grid, then parabola) is fitted; for each ``rn`` the
    contrast scale (ridge prior 1 +- 10 %, as in :func:`fit_neck_image`) and the background
    enter linearly and are solved exactly.

    Returns
    -------
    ProfileFit
        keys ``rn``, ``b``, ``dchi2`` (drop of the noise-normalised sum of squares from the
        smallest grid radius).

    References
    ----------
    .. [1] Tang et al., Nanomaterials 13, 3082 (2023), Figure 3g, doi:10.3390/nano13243082.
    """
    model, r_cap = _neck_model(tau.shape, pixel_size_nm, c1_xy, axis_u, r1, r2, d, k, sigma,
                               rim_amp=rim_amp, rim_nm=rim_nm)
    data = tau[window]
    n = int(data.size)

    def cost(rn):
        # Scale (prior 1 +- 10 %) and background, linear and exact (as fit_neck_image).
        return _scaled_fit(model(rn)[window], data)

    # Grid of 41 radii (_grid_minimum). It starts at the half chord of overlapping lobe
    # circles: every smaller radius is the same model (no arc), so a grid from 0 would
    # spend points on a flat cost that the coarse search can stop on.
    rn_lo = _overlap_half_chord(r1, r2, d, r_cap)
    grid = np.linspace(rn_lo, r_cap, 41)
    best, curv, costs = _grid_minimum(lambda rn: cost(rn)[0], grid)
    c_best, off, _scale = cost(best)
    s2 = c_best / max(n - 1, 1)
    err = _grid_error(lambda rn: cost(rn)[0], grid, best, curv, costs, c_best, s2 * inflate)
    dchi2 = (float(costs[0]) - c_best) / max(s2 * inflate, 1e-300)
    return ProfileFit({"rn": best, "b": off, "dchi2": dchi2},
                      {"rn": max(err, 0.0), "b": math.sqrt(s2 / max(n, 1))},
                      math.sqrt(c_best / max(n, 1)), n, bool(np.isfinite(curv)))
