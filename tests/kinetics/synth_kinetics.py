"""Forward models for the kinetics tests: dimer records generated from known laws."""

from __future__ import annotations

import numpy as np

from nanosinter.kinetics import MECHANISM_BY_KEY, neck_ratio

A_NM = 7.5  # particle radius of the tang2023 dimer (15 nm particles)


def law_curve(key, *, t_end_s=1500.0, x_over_a_end=0.3, n_points=40, noise=0.03, rng=0,
              t_start_s=5.0):
    """Times since contact (s) and noisy neck radii (nm) following the law *key*.

    B is chosen so that x/a reaches *x_over_a_end* at *t_end_s*; the noise is multiplicative
    (relative sigma *noise*), as for a measurement with a fixed relative precision.
    """
    mech = MECHANISM_BY_KEY[key]
    d = 2 * A_NM
    B = x_over_a_end**mech.n * d**mech.m / t_end_s
    t = np.geomspace(t_start_s, t_end_s, n_points)
    r = neck_ratio(t, B=B, n=mech.n, m=mech.m, particle_diameter_nm=d)
    g = np.random.default_rng(rng)
    x = A_NM * r * (1 + noise * g.standard_normal(t.size))
    return t, x, B


def dimer_record(*, key="surface_diffusion", n_pre=15, n_post=40, dt_s=10.0, noise_nm=0.05,
                 gap0_nm=1.5, center_drift_nm=0.0, rng=0, x_over_a_end=0.3):
    """Columns of a dimer table: still particles, a gap that closes, then neck growth by *key*.

    The centres stay put (``center_drift_nm`` = 0) unless a drift is asked for, in which case
    the centre distance shrinks by that amount before contact (migration).
    """
    g = np.random.default_rng(rng)
    mech = MECHANISM_BY_KEY[key]
    n = n_pre + n_post
    t = dt_s * np.arange(n, dtype=float)
    t_c = t[n_pre] - 0.5 * dt_s if n_post else t[-1] + dt_s
    tg = np.clip(t - t_c, 0, None)
    d = 2 * A_NM
    B = x_over_a_end**mech.n * d**mech.m / max(tg[-1], dt_s)
    x = np.where(t > t_c, A_NM * neck_ratio(tg, B=B, n=mech.n, m=mech.m,
                                            particle_diameter_nm=d), np.nan)
    contact = (t > t_c).astype(float)
    dist0 = 2 * A_NM + gap0_nm + center_drift_nm
    dist = np.full(n, 2 * A_NM + gap0_nm)
    if center_drift_nm:
        dist[:n_pre] = dist0 - center_drift_nm * np.arange(n_pre) / (n_pre - 1)
    if mech.densifying:
        # centres approach as the neck grows: shrinkage h ~ x^2 / (4a) per particle
        dist = dist - np.where(t > t_c, 2 * np.nan_to_num(x) ** 2 / (4 * A_NM), 0.0)
    gap = np.where(t > t_c, np.nan, np.maximum(dist - 2 * A_NM, 0.0))
    rho = np.where(t > t_c, np.nan_to_num(x) ** 2 / ((4 if mech.densifying else 2) * A_NM), np.nan)
    noisy = lambda v: v + noise_nm * g.standard_normal(n)  # noqa: E731
    r1, r2 = noisy(np.full(n, A_NM)), noisy(np.full(n, A_NM))
    return {
        "time_s": t,
        "r1_nm": r1,
        "r2_nm": r2,
        "neck_radius_nm": noisy(x),
        "neck_curvature_radius_nm": rho * (1 + 0.05 * g.standard_normal(n)),
        "center_distance_nm": noisy(dist),
        "gap_nm": gap,
        "contact": contact,
        "volume_nm3": noisy(np.full(n, 2 * 4 / 3 * np.pi * A_NM**3)),
    }
