"""How precisely can any analysis measure a dimer's geometry? Cramer-Rao bounds (issue 5).

Run by hand:  .venv/bin/python benchmarks/analysis_crlb.py

The accuracy tests render dimers at 0.1 nm/px and 100 e/A^2 with a 4 % support texture that is
fixed to the specimen (``benchmarks/analysis_accuracy.py``). This script computes the smallest
standard deviation that any unbiased estimator can reach from such images (the Cramer-Rao
bound), for r1, the centre distance d, the gap d - r1 - r2 and the neck radius r, so that the
measured errors can be read against what the images contain.

Model: the contrast image ``tau = k * blur_sigma(thickness) + b``, with the thickness of the
solid of revolution of Figure 3g (:func:`nanosinter.analysis.half_width`: two spheres joined by
a neck of radius ``rn`` with a concave arc), parameters ``r1, r2, d, rn, x0, y0, k, b, sigma``
(``rn`` only when in contact). Noise: Gaussian and stationary, the support texture (its
autocovariance from the renderer's settings: a unit-RMS Gaussian field of correlation
``texture_correlation_nm`` times ``texture_contrast``, blurred by the ``resolution_nm`` PSF) plus
shot noise (1 / counts per pixel on the support, measured on a rendered frame). The Fisher
information ``F = J^T Sigma^-1 J`` is evaluated in Fourier space (the noise covariance is
diagonal there, up to the periodic boundary; the image has a 5-nm margin), and the bound of a
quantity ``g . theta`` is ``sqrt(g^T F^-1 g)``.

``--mc N`` also draws N images of the bound's own model (gap 1.4 nm, texture + shot noise,
each ``--blur-nm``) and fits them over the whole image by ordinary least squares and by
generalised least squares (residuals whitened by the noise spectrum), printing the rms error
of d of each next to the bound: how close a fit that knows the model comes to it.

Three noise cases: one frame (texture + shot noise); ``--frames N`` frames of the same static
geometry, whose texture is the same in every frame (texture + shot/N: what averaging a movie can
give); shot noise only. Two edge blurs: the renderer's resolution alone (0.3 nm FWHM,
sigma 0.13 nm: a model that includes the carbon rim exactly) and 0.6 nm (what a blur-only lobe
model fits when it absorbs the 1-nm carbon rim).

References
----------
.. [1] S. M. Kay, *Fundamentals of Statistical Signal Processing: Estimation Theory*,
   Prentice Hall 1993, ch. 3 (Cramer-Rao bound of a signal in Gaussian noise, Eq. 3.31).
.. [2] P. Whittle, "The analysis of multiple stationary time series", J. R. Stat. Soc. B 15,
   125 (1953), doi:10.1111/j.2517-6161.1953.tb00131.x (Fourier-domain Gaussian likelihood
   of stationary noise).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.fft as sfft
from scipy import ndimage as ndi

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "analysis"))

NAMES = ("r1", "r2", "d", "rn", "x0", "y0", "k", "b", "sigma")


def _support_counts_and_k(pixel_size_nm: float) -> tuple[float, float]:
    """Counts per support pixel and contrast per nm of particle (tau / thickness), measured on
    the first frame of the accuracy tests' movie rendered without texture."""
    from synth import dimer_sequence, rendered_dimer_movie

    movie, shapes, _ = rendered_dimer_movie(dimer_sequence(7.0, 6.5), seed=1,
                                            texture_contrast=0.0, rim_thickness_nm=0.0)
    frame = np.asarray(movie.frames[0], float)
    smooth = ndi.gaussian_filter(frame, 4)
    thr = 0.5 * (np.percentile(smooth, 99) + np.percentile(smooth, 1))
    part = smooth < thr
    support = ~ndi.binary_dilation(part, iterations=int(3.0 / pixel_size_nm))
    counts = float(frame[support].mean())
    tau = -np.log(np.maximum(frame, 1.0) / counts)
    # Lobe 1 (the larger body): its centre's 1-nm disc, thickness ~ 2 r1.
    lab, n = ndi.label(part)
    big = 1 + int(np.argmax(ndi.sum(part, lab, range(1, n + 1))))
    cy, cx = ndi.center_of_mass(lab == big)
    yy, xx = np.mgrid[0:frame.shape[0], 0:frame.shape[1]]
    disc = np.hypot(yy - cy, xx - cx) < 1.0 / pixel_size_nm
    thick = 2.0 * np.sqrt(shapes[0].r1_nm ** 2 - 0.25)  # mean chord over the disc, ~2 r1
    return counts, float(tau[disc].mean()) / thick


def _model(p, shape, ps):
    from nanosinter.analysis import half_width

    r1, r2, d, rn, x0, y0, k, b, sig = p
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]] * ps
    h = half_width(xx - x0, r1, r2, d, rn)
    t = yy - y0
    thick = 2.0 * np.sqrt(np.clip(h * h - t * t, 0.0, None))
    return k * ndi.gaussian_filter(thick, sig / ps, mode="nearest") + b


def bounds(params: dict, psd: np.ndarray, shape, ps: float) -> dict:
    """One-sigma Cramer-Rao bounds of r1, d, gap and rn (nm) for ``params`` (NAMES)."""
    p = [params[n] for n in NAMES]
    free = [i for i, n in enumerate(NAMES) if n != "rn" or params["rn"] > 0]
    steps = {"k": 1e-5, "b": 1e-4}
    jac = []
    for i in free:
        h = steps.get(NAMES[i], 1e-3)
        q = list(p)
        q[i] = p[i] + h
        up = _model(q, shape, ps)
        q[i] = p[i] - h
        jac.append((up - _model(q, shape, ps)) / (2 * h))
    jac = np.array(jac)
    jw = np.array([sfft.irfft2(sfft.rfft2(j) / psd, s=shape) for j in jac])
    cov = np.linalg.inv(np.einsum("ixy,jxy->ij", jac, jw))
    idx = {NAMES[i]: k for k, i in enumerate(free)}

    def sd(g):
        v = np.zeros(len(free))
        for n, w in g.items():
            v[idx[n]] = w
        return float(np.sqrt(v @ cov @ v))

    return {"r1": sd({"r1": 1}), "d": sd({"d": 1}), "gap": sd({"d": 1, "r1": -1, "r2": -1}),
            "rn": sd({"rn": 1}) if "rn" in idx else float("nan")}


def monte_carlo(n: int, blur: float, k: float, psd_t: np.ndarray, shot: float, shape,
                ps: float, seed: int = 0) -> dict:
    """rms error of d over ``n`` images of the model (gap 1.4 nm) with texture of spectrum
    ``psd_t`` and white noise ``shot``, fitted by ordinary and by generalised least squares."""
    from scipy.optimize import least_squares

    truth = dict(r1=7.0, r2=6.5, d=14.9, rn=0.0, x0=8.0, y0=10.0, k=k, b=0.0, sigma=blur)
    p_true = [truth[nm] for nm in NAMES]
    clean = _model(p_true, shape, ps)
    free = [i for i, nm in enumerate(NAMES) if nm != "rn"]
    whiten = 1.0 / np.sqrt(psd_t + shot)
    rng = np.random.default_rng(seed)
    errs: dict = {"ordinary": [], "generalised": []}
    for _ in range(n):
        tex = sfft.irfft2(sfft.rfft2(rng.standard_normal(shape)) * np.sqrt(psd_t), s=shape)
        img = clean + tex + rng.standard_normal(shape) * np.sqrt(shot)
        for mode in errs:
            def resid(q, mode=mode, img=img):
                p = list(p_true)
                for i, v in zip(free, q, strict=True):
                    p[i] = v
                r = _model(p, shape, ps) - img
                if mode == "generalised":
                    r = sfft.irfft2(sfft.rfft2(r) * whiten, s=shape)
                return r.ravel()
            sol = least_squares(resid, [p_true[i] for i in free], diff_step=1e-4,
                                x_scale=[0.1, 0.1, 0.1, 0.1, 0.1, 0.002, 0.01, 0.05])
            errs[mode].append(sol.x[free.index(NAMES.index("d"))] - truth["d"])
    return {m: float(np.sqrt(np.mean(np.square(v)))) for m, v in errs.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=20,
                    help="frames of one static geometry for the 'N frames' case")
    ap.add_argument("--blur-nm", type=float, nargs="+", default=None,
                    help="edge blurs (Gaussian sigma, nm); default: resolution alone and 0.6")
    ap.add_argument("--mc", type=int, default=0,
                    help="images per blur for the Monte Carlo check of two estimators")
    args = ap.parse_args(argv)
    from nanosinter.imaging import RenderSettings

    s = RenderSettings()
    ps = 0.1
    counts, k = _support_counts_and_k(ps)
    shot = 1.0 / counts
    sig_b = s.resolution_nm / (2.0 * np.sqrt(2.0 * np.log(2.0)))
    st = s.texture_correlation_nm
    # The texture field's autocovariance is Gaussian, variance 2 st^2 (the field is white noise
    # filtered by a Gaussian of sigma st); the PSF adds 2 sig_b^2 and lowers the variance.
    var_t = s.texture_contrast ** 2 * st ** 2 / (st ** 2 + sig_b ** 2)
    a_px = np.sqrt(2.0 * (st ** 2 + sig_b ** 2)) / ps
    shape = (200, 320)
    fy = sfft.fftfreq(shape[0])[:, None]
    fx = sfft.rfftfreq(shape[1])[None, :]
    f2 = fx ** 2 + fy ** 2
    psd_t = var_t * 2 * np.pi * a_px ** 2 * np.exp(-2 * np.pi ** 2 * a_px ** 2 * f2)
    cases = {"1 frame": psd_t + shot, f"{args.frames} frames, same texture":
             psd_t + shot / args.frames, "shot noise only": np.full_like(psd_t, shot)}
    print(f"support: {counts:.1f} counts/px (shot variance {shot:.4f}); texture variance "
          f"{var_t:.5f} (rms {np.sqrt(var_t):.3f}), correlation length {a_px * ps:.2f} nm; "
          f"contrast k = {k:.4f} per nm")
    blurs = args.blur_nm or [round(sig_b, 3), 0.6]
    geoms = [(1.4, 0.0), (0.5, 0.0), (-0.05, 1.0), (-0.05, 1.5), (-0.1, 2.0), (-0.2, 3.0)]
    print(f"{'blur':>5} {'gap':>6} {'rn':>4}  " + "  ".join(f"{c:>30}" for c in cases))
    print(f"{'nm':>5} {'nm':>6} {'nm':>4}  " + "  ".join(f"{'r1   d    gap   rn':>30}"
                                                          for _ in cases))
    for blur in blurs:
        for gap, rn in geoms:
            p = dict(r1=7.0, r2=6.5, d=13.5 + gap, rn=rn, x0=8.0, y0=10.0, k=k, b=0.0,
                     sigma=blur)
            cells = []
            for psd in cases.values():
                bd = bounds(p, psd, shape, ps)
                cells.append(f"{bd['r1']:6.3f} {bd['d']:5.3f} {bd['gap']:5.3f} {bd['rn']:5.2f}")
            print(f"{blur:5.2f} {gap:+6.2f} {rn:4.1f}  " + "  ".join(f"{c:>30}" for c in cells))
    print("one-sigma bounds (nm); a median |error| is 0.67 sigma for a Gaussian error")
    for blur in blurs if args.mc > 0 else []:
        p = dict(r1=7.0, r2=6.5, d=14.9, rn=0.0, x0=8.0, y0=10.0, k=k, b=0.0, sigma=blur)
        bd = bounds(p, psd_t + shot, shape, ps)
        mc = monte_carlo(args.mc, blur, k, psd_t, shot, shape, ps)
        print(f"Monte Carlo, blur {blur:.2f} nm, gap 1.4 nm, {args.mc} images: rms error of d "
              f"ordinary LS {mc['ordinary']:.3f}, generalised LS {mc['generalised']:.3f}, "
              f"bound {bd['d']:.3f} nm")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
