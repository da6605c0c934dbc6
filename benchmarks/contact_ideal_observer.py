"""How well can any analysis tell "apart by a gap" from "touching with a neck"? (ideal observer)

Run by hand:  .venv/bin/python benchmarks/contact_ideal_observer.py   (~20 s)

Images: the revolved dimer of the accuracy test movies (r1 = 7, r2 = 6.5 nm, projected
thickness from ``tests/analysis/synth.py``), bright field ``exp(-t / 52 nm)`` blurred to
0.3 nm FWHM, 100 counts per 0.1-nm pixel. Noise: shot noise plus the support texture as an
unknown stationary Gaussian field (4 % rms, 0.4 nm grain), the spectrum of
``nanosinter.imaging.feature_detectability``. For each gap g the detectability ``d'`` of the
difference between "lobes g apart, no neck" and "touching (gap -0.05 nm) with a neck of 1.0
or 1.5 nm" is printed twice: with the lobe geometry known, and with it unknown (the
difference projected off the span of the derivatives by the centre distance, both radii,
the dimer's position, contrast and background, all whitened by the noise spectrum:
the linearised composite-hypothesis test). Then the Cramér-Rao bound of the gap of lobes
1 nm apart under the same noise.

The carbon rim is left out: it adds a nuisance, so these ``d'`` are upper bounds.

References
----------
Barrett & Myers, *Foundations of Image Science*, Wiley 2004, ch. 13 (ideal observer, d');
Kay, *Fundamentals of Statistical Signal Processing: Detection Theory*, Prentice Hall 1998,
sec. 4.5 and 6.4 (coloured noise, nuisance parameters).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy import ndimage as ndi

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "analysis"))

PS = 0.1          # nm per pixel
COUNTS = 100.0    # per support pixel (100 e/A^2 at 0.1 nm/px)
MFP_NM = 52.0     # contrast mean free path of the test movies (synth.simple_frame)
TEXTURE = 0.04    # rms, renderer default
GRAIN_NM = 0.4    # renderer default texture_correlation_nm
FWHM_NM = 0.3     # renderer default resolution_nm
SHAPE = (200, 320)
CENTRE = (16.0, 10.0)
R1, R2 = 7.0, 6.5
H = 0.05          # finite-difference step (nm) of the nuisance derivatives


def image(r1, r2, d, rn, dx=0.0, dy=0.0, scale=1.0):
    from synth import projected_thickness_nm

    from nanosinter.geometry import dimer_shape

    shape = dimer_shape(r1_nm=r1, r2_nm=r2, center_distance_nm=d, neck_radius_nm=rn)
    t = projected_thickness_nm(SHAPE, PS, shape, center_nm=(CENTRE[0] + dx, CENTRE[1] + dy))
    sig = FWHM_NM / 2.3548 / PS
    return ndi.gaussian_filter(COUNTS * scale * np.exp(-t / MFP_NM), sig, mode="nearest")


def spectrum(texture=True):
    fy = np.fft.fftfreq(SHAPE[0], d=PS)[:, None]
    fx = np.fft.fftfreq(SHAPE[1], d=PS)[None, :]
    f2 = fx**2 + fy**2
    grain = np.exp(-4 * (np.pi * GRAIN_NM) ** 2 * f2)
    grain /= grain.mean()
    psf = np.exp(-4 * (np.pi * FWHM_NM / 2.3548) ** 2 * f2)
    return COUNTS + ((TEXTURE * COUNTS) ** 2 * psf * grain if texture else 0.0)


def inner(a, b, spec):
    return float(np.real(np.sum(np.conj(np.fft.fft2(a)) * np.fft.fft2(b) / spec)) / a.size)


def nuisance_derivatives(r1, r2, d, rn):
    """Images of the derivatives by d, r1, r2, x, y (per nm), contrast scale, background."""
    pairs = [
        (image(r1, r2, d - H, rn), image(r1, r2, d + H, rn)),
        (image(r1 - H, r2, d, rn), image(r1 + H, r2, d, rn)),
        (image(r1, r2 - H, d, rn), image(r1, r2 + H, d, rn)),
        (image(r1, r2, d, rn, dx=-H), image(r1, r2, d, rn, dx=H)),
        (image(r1, r2, d, rn, dy=-H), image(r1, r2, d, rn, dy=H)),
    ]
    out = [(b - a) / (2 * H) for a, b in pairs]
    out.append(image(r1, r2, d, rn, scale=1.01) - image(r1, r2, d, rn, scale=0.99))
    out.append(np.ones(SHAPE))
    return out


def detectability(a, b, nuis, spec):
    """(d' with the geometry known, d' with it unknown)."""
    delta = b - a
    full = inner(delta, delta, spec)
    gram = np.array([[inner(p, q, spec) for q in nuis] for p in nuis])
    proj = np.array([inner(p, delta, spec) for p in nuis])
    explained = float(proj @ np.linalg.solve(gram, proj))
    return np.sqrt(full), np.sqrt(max(full - explained, 0.0))


def main() -> None:
    for texture in (True, False):
        spec = spectrum(texture)
        print("shot noise + unknown texture" if texture else "shot noise only")
        for gap in (0.4, 0.6, 0.8, 1.0):
            a = image(R1, R2, R1 + R2 + gap, 0.0)
            nuis = nuisance_derivatives(R1, R2, R1 + R2 + gap, 0.0)
            for rn in (1.0, 1.5):
                b = image(R1, R2, R1 + R2 - 0.05, rn)
                known, unknown = detectability(a, b, nuis, spec)
                print(f"  {gap:.1f} nm apart vs touching with a {rn:.1f} nm neck: "
                      f"d' {known:6.2f} (geometry known), {unknown:6.2f} (unknown)")
    print("Cramer-Rao bound, lobes 1 nm apart, no neck (nm):")
    for texture in (True, False):
        spec = spectrum(texture)
        nuis = nuisance_derivatives(R1, R2, R1 + R2 + 1.0, 0.0)
        cov = np.linalg.inv(np.array([[inner(p, q, spec) for q in nuis] for p in nuis]))
        grad = np.array([1.0, -1.0, -1.0, 0, 0, 0, 0])
        sd = np.sqrt(np.diag(cov))
        print(f"  {'texture + shot' if texture else 'shot only':14s} d {sd[0]:.3f}  "
              f"r1 {sd[1]:.3f}  r2 {sd[2]:.3f}  gap {np.sqrt(grad @ cov @ grad):.3f}")


if __name__ == "__main__":
    main()
