"""Forward models for the kinetics tests: dimer records generated from known laws."""

from __future__ import annotations

import numpy as np

from nanosinter.kinetics import MECHANISM_BY_KEY, neck_ratio

A_NM = 7.5  # particle radius of the tang2023 dimer (15 nm particles)


def law_curve(key, *, t_end_s=1500.0, x_over_a_end=0.3, n_points=40, noise=0.03, rng=0,
              t_start_s=5.0, x0_over_a=0.0, spacing="geom"):
    """Times since contact (s) and noisy neck radii (nm) following the law *key*.

    B is chosen so that x/a reaches *x_over_a_end* at *t_end_s*; the noise is multiplicative
    (relative sigma *noise*), as for a measurement with a fixed relative precision. With
    *x0_over_a* > 0 the neck starts finite: (x/a)^n - (x0/a)^n = B t / D^m, i.e. the law with
    time offset t0 = (x0/a)^n D^m / B (returned as the fourth value).
    """
    mech = MECHANISM_BY_KEY[key]
    d = 2 * A_NM
    B = (x_over_a_end**mech.n - x0_over_a**mech.n) * d**mech.m / t_end_s
    t0 = x0_over_a**mech.n * d**mech.m / B
    t = (np.geomspace(t_start_s, t_end_s, n_points) if spacing == "geom"
         else np.linspace(t_start_s, t_end_s, n_points))
    r = neck_ratio(t + t0, B=B, n=mech.n, m=mech.m, particle_diameter_nm=d)
    if x0_over_a > 0:
        g = np.random.default_rng(rng)
        x = A_NM * r * (1 + noise * g.standard_normal(t.size))
        return t, x, B, t0
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


def ostwald_pair(*, r_small_nm=4.0, r_large_nm=7.5, gap_nm=10.0, K_nm3_per_s=0.08,
                 duration_s=600.0, n=60, noise_nm=0.05, rng=0):
    """Two particles far apart ripening by LSW (diffusion-limited): the small one loses
    r^3 at the rate K, the large one gains the same volume (mass conserved), centres fixed.
    Default sizes 8 and 15 nm in diameter, as in the Ostwald preset of issue 7."""
    g = np.random.default_rng(rng)
    t = np.linspace(0.0, duration_s, n)
    small = np.cbrt(np.clip(r_small_nm**3 - K_nm3_per_s * t, 0.0, None))
    large = np.cbrt(r_large_nm**3 + (r_small_nm**3 - small**3))
    dist = np.full(n, r_small_nm + r_large_nm + gap_nm)
    noisy = lambda v: v + noise_nm * g.standard_normal(n)  # noqa: E731
    r1, r2 = noisy(small), noisy(large)
    return {
        "time_s": t, "r1_nm": r1, "r2_nm": r2, "neck_radius_nm": np.full(n, np.nan),
        "center_distance_nm": noisy(dist), "gap_nm": noisy(dist - small - large),
        "contact": np.zeros(n),
        "n_atoms": np.round(4 / 3 * np.pi * (small**3 + large**3) * 40.0),
    }


def migration_pair(*, a_nm=4.0, step_nm=0.5, n_walk=80, n_merge=20, dt_s=2.0, gap0_nm=6.0,
                   noise_nm=0.05, rng=0):
    """Two particles whose centre distance random-walks (steps of *step_nm* per frame, a
    Brownian bridge from gap *gap0_nm* to touching), then touch and coalesce: the neck grows
    to x/a = 0.9 and the centres close in by a third of their distance over *n_merge* frames.

    Also returns a particle table (2-D tracks): each particle random-walks in x and y on top
    of a common stage drift of 0.05 nm/s, so their relative position random-walks as well.
    """
    g = np.random.default_rng(rng)
    n = n_walk + n_merge
    t = dt_s * np.arange(n, dtype=float)
    walk = np.concatenate([[0.0], np.cumsum(step_nm * g.standard_normal(n_walk - 1))])
    bridge = walk - walk[-1] * np.arange(n_walk) / (n_walk - 1)  # pinned at both ends
    d_touch = 2 * a_nm
    dist_pre = d_touch + gap0_nm * (1 - np.arange(n_walk) / (n_walk - 1)) + bridge
    dist_pre = np.maximum(dist_pre, d_touch + 0.05)
    dist_pre[-1] = d_touch + 0.05
    s = np.arange(1, n_merge + 1) / n_merge
    dist_post = d_touch * (1 - s / 3)
    x_post = a_nm * (0.3 + 0.6 * s)
    dist = np.concatenate([dist_pre, dist_post])
    contact = np.concatenate([np.zeros(n_walk), np.ones(n_merge)])
    noisy = lambda v: v + noise_nm * g.standard_normal(n)  # noqa: E731
    rec = {
        "time_s": t, "r1_nm": noisy(np.full(n, a_nm)), "r2_nm": noisy(np.full(n, a_nm)),
        "neck_radius_nm": np.concatenate([np.full(n_walk, np.nan),
                                         x_post + noise_nm * g.standard_normal(n_merge)]),
        "neck_curvature_radius_nm": np.concatenate([np.full(n_walk, np.nan),
                                                    x_post**2 / (2 * a_nm)]),
        "center_distance_nm": noisy(dist),
        "gap_nm": np.where(contact > 0, np.nan, dist - d_touch),
        "contact": contact,
        "n_atoms": np.full(n, 2 * 4 / 3 * np.pi * a_nm**3 * 40.0),
    }
    # 2-D tracks: particle 1 at the origin, particle 2 along x at the centre distance, plus
    # a random walk of the pair's axis in y and a common stage drift
    yw = np.concatenate([[0.0], np.cumsum(step_nm * g.standard_normal(n - 1))])
    drift = 0.05 * t
    jitter = lambda: noise_nm * g.standard_normal(2 * n)  # noqa: E731
    tracks = {
        "time_s": np.concatenate([t, t]),
        "track_id": np.repeat([1, 2], n),
        "centroid_x_nm": np.concatenate([drift, drift + dist]) + jitter(),
        "centroid_y_nm": np.concatenate([np.zeros(n), yw]) + jitter(),
    }
    return rec, tracks


def subliming_pair(*, r_small_nm=4.0, r_large_nm=7.5, kelvin_length_nm=2.0, v_inf_nm_per_s=1.5e-3,
                   duration_s=600.0, n=60, noise_nm=0.05, contact=False, rng=0,
                   t_ramp_s=100.0, hold_K=553.15):
    """Free evaporation with the Kelvin effect: dr/dt = -v_inf exp(lambda / r) for each
    particle (Hertz–Knudsen with p_eq(r) = p_inf exp(2 gamma Omega / r kT), PHYSICS.md §3),
    switched on by a heating ramp from 300 K to *hold_K* over *t_ramp_s* (the rate grows
    linearly with the ramp, a stand-in for the Arrhenius rise). With *contact* the two are a
    sintered dimer (neck x/a = 0.4 shrinking with the lobes), as in the anneal preset."""
    g = np.random.default_rng(rng)
    t = np.linspace(0.0, duration_s, n)
    fine = np.linspace(0.0, duration_s, 20 * n)
    on = np.clip(fine / t_ramp_s, 0.0, 1.0)
    r = np.empty((2, fine.size))
    r[:, 0] = (r_small_nm, r_large_nm)
    h = fine[1] - fine[0]
    for i in range(1, fine.size):
        rate = v_inf_nm_per_s * on[i - 1] * np.exp(kelvin_length_nm / np.maximum(r[:, i - 1], 0.3))
        r[:, i] = np.maximum(r[:, i - 1] - h * rate, 0.0)
    small, large = (np.interp(t, fine, r[k]) for k in range(2))
    temp = 300.0 + (hold_K - 300.0) * np.clip(t / t_ramp_s, 0.0, 1.0)
    noisy = lambda v: v + noise_nm * g.standard_normal(n)  # noqa: E731
    dist = np.full(n, r_small_nm + r_large_nm + (0.0 if contact else 10.0))
    if contact:
        x = 0.4 * small
        neck = noisy(x)
        rho = x**2 / (2 * small)
        gap = np.full(n, np.nan)
    else:
        neck, rho, gap = np.full(n, np.nan), np.full(n, np.nan), noisy(dist - small - large)
    return {
        "time_s": t, "r1_nm": noisy(small), "r2_nm": noisy(large), "neck_radius_nm": neck,
        "neck_curvature_radius_nm": rho, "center_distance_nm": noisy(dist), "gap_nm": gap,
        "contact": np.full(n, 1.0 if contact else 0.0),
        "n_atoms": np.round(4 / 3 * np.pi * (small**3 + large**3) * 40.0),
        "temperature_K": temp,
    }


def flat_neck_record(*, rng=6, level_nm=1.5, noise_nm=0.1):
    """:func:`dimer_record` whose neck does not grow: ``level_nm`` plus Gaussian noise after
    contact (no growth law to find)."""
    rec = dimer_record(rng=rng)
    g = np.random.default_rng(rng)
    post = rec["contact"] > 0
    rec["neck_radius_nm"] = np.where(post, level_nm + noise_nm * g.standard_normal(post.size),
                                     np.nan)
    return rec
