"""Neck-growth fits: each classical law is recovered from noisy synthetic curves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synth_kinetics import A_NM, law_curve

from nanosinter.errors import AnalysisError, InputError
from nanosinter.kinetics import MECHANISM_BY_KEY, fit_neck_growth, neck_ratio


def _fit(key, **kw):
    t, x, B = law_curve(key, **kw)
    return fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=300, rng=1, two_stage=False), B


def _check_law(key):
    fit, B = _fit(key)
    n_true = MECHANISM_BY_KEY[key].n
    assert fit.best_law == key
    assert fit.law_weights[key] > 0.9
    assert fit.best in (key, "power_law")
    assert fit.growth_detected
    n_fit = fit.model("power_law").params["n"]
    assert abs(n_fit - n_true) / n_true < 0.06
    lo, hi = fit.model("power_law").intervals["n"]
    assert lo <= n_true <= hi
    b_fit = fit.model(key).params["B"]
    assert abs(b_fit / B - 1) < 0.1
    b_lo, b_hi = fit.model(key).intervals["B"]
    assert b_lo <= B <= b_hi


def test_viscous_flow_recovered():
    _check_law("viscous_flow")


def test_evaporation_condensation_recovered():
    _check_law("evaporation_condensation")


def test_volume_diffusion_recovered():
    _check_law("volume_diffusion")


def test_grain_boundary_diffusion_recovered():
    _check_law("grain_boundary_diffusion")


def test_surface_diffusion_recovered():
    _check_law("surface_diffusion")


def test_pure_noise_shows_no_growth():
    g = np.random.default_rng(5)
    t = np.geomspace(5, 1500, 40)
    x = 0.2 * A_NM * (1 + 0.05 * g.standard_normal(t.size))
    fit = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=300, rng=2)
    assert not fit.growth_detected
    assert fit.best == "constant"
    lo, hi = fit.model("power_law").intervals["exponent"]
    assert lo < 0 < hi


def test_bootstrap_interval_covers_true_B_at_nominal_rate():
    # 40 independent noisy curves: a 90 % interval must cover the true B in roughly 90 % of
    # them (binomial: 30..40 covers with probability > 0.99 when the nominal rate holds).
    covered = 0
    for seed in range(40):
        t, x, B = law_curve("surface_diffusion", noise=0.05, n_points=25, rng=100 + seed)
        fit = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=200, confidence=0.9,
                              rng=seed, two_stage=False)
        lo, hi = fit.model("surface_diffusion").intervals["B"]
        covered += lo <= B <= hi
    assert 30 <= covered <= 40


def test_errors_weight_the_fit():
    # one wild point with a huge stated error must not pull the fit; without the error it does
    t, x, B = law_curve("surface_diffusion", noise=0.01)
    x = x.copy()
    x[-1] *= 2.0
    err = np.full_like(x, 0.01) * x
    err[-1] = 10 * x[-1]
    weighted = fit_neck_growth(t, x, particle_radius_nm=A_NM, neck_radius_err_nm=err, n_boot=0)
    plain = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=0)
    b_w = weighted.model("surface_diffusion").params["B"]
    b_p = plain.model("surface_diffusion").params["B"]
    assert abs(b_w / B - 1) < 0.05
    assert abs(b_p / B - 1) > abs(b_w / B - 1)


def test_two_stage_model_wins_on_fast_then_linear_growth():
    t = np.linspace(10, 1500, 60)
    r = 0.12 * -np.expm1(-t / 100.0) + 1.0e-4 * t
    g = np.random.default_rng(3)
    x = A_NM * r * (1 + 0.01 * g.standard_normal(t.size))
    fit = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=50, rng=0)
    assert fit.best == "two_stage"
    p = fit.model("two_stage").params
    assert p["tau_s"] == pytest.approx(100.0, rel=0.15)
    assert p["rate_per_s"] == pytest.approx(1.0e-4, rel=0.1)
    assert p["A"] == pytest.approx(0.12, rel=0.1)


def test_same_seed_same_intervals():
    t, x, _ = law_curve("volume_diffusion")
    f1 = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=100, rng=7, two_stage=False)
    f2 = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=100, rng=7, two_stage=False)
    assert f1.model("power_law").intervals == f2.model("power_law").intervals


@settings(max_examples=30, deadline=None)
@given(
    n=st.floats(1.5, 8.0),
    scale=st.floats(0.01, 100.0),
)
def test_exact_power_law_exponent_is_exact(n, scale):
    # invariant: noise-free x = k t^(1/n) gives back n whatever the units of time
    t = np.geomspace(1, 1000, 12) * scale
    x = 0.5 * (t / t[-1]) ** (1 / n)
    fit = fit_neck_growth(t, x, particle_radius_nm=3.0, n_boot=0, two_stage=False)
    assert fit.model("power_law").params["n"] == pytest.approx(n, rel=1e-9)


def test_neck_ratio_follows_the_law():
    t = np.array([1.0, 10.0, 100.0])
    r = neck_ratio(t, B=2.0, n=7, m=4, particle_diameter_nm=10.0)
    np.testing.assert_allclose(r**7, 2.0 * t / 10.0**4, rtol=1e-12)


def test_bad_input():
    t = np.arange(1.0, 11.0)
    with pytest.raises(InputError, match="particle_radius_nm"):
        fit_neck_growth(t, t, particle_radius_nm=-1.0)
    with pytest.raises(InputError, match="criterion"):
        fit_neck_growth(t, t, particle_radius_nm=1.0, criterion="r2")
    with pytest.raises(InputError, match="neck_radius_nm"):
        fit_neck_growth(t, t[:5], particle_radius_nm=1.0)
    with pytest.raises(AnalysisError, match="at least 5"):
        fit_neck_growth(t, np.full_like(t, np.nan), particle_radius_nm=1.0)
    with pytest.raises(InputError, match="n_boot"):
        fit_neck_growth(t, t, particle_radius_nm=1.0, n_boot=-3)


@pytest.mark.parametrize("key", ["viscous_flow", "evaporation_condensation", "volume_diffusion",
                                 "grain_boundary_diffusion", "surface_diffusion"])
def test_law_with_finite_initial_neck_recovered(key):
    # (x/a)^n - (x0/a)^n = B t / D^m with x0/a = 0.15: the time offset is chosen, and the
    # law, n, B, t0 = (x0/a)^n D^m / B and x0 come back inside their intervals
    t, x, B, t0 = law_curve(key, x0_over_a=0.15, x_over_a_end=0.35, t_start_s=2.0, rng=3)
    fit = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=300, rng=1, two_stage=False)
    assert fit.time_offset_fitted
    assert fit.best_law == key
    n_true = MECHANISM_BY_KEY[key].n
    lo, hi = fit.model("power_law").intervals["n"]
    assert lo <= n_true <= hi
    assert hi - lo < 0.6 * n_true
    law = fit.model(key)
    for name, true in (("B", B), ("t0_s", t0), ("x0_over_a", 0.15)):
        lo, hi = law.intervals[name]
        assert lo <= true <= hi, (name, true, lo, hi)
    assert law.params["B"] == pytest.approx(B, rel=0.05)
    assert law.params["x0_over_a"] == pytest.approx(0.15, rel=0.03)
    # anchored at t = 0 instead, the finite start reads as slow growth: every law then looks
    # like n ~ 8 (the KMC symptom), with an interval above the true n
    anchored = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=200, rng=1,
                               two_stage=False, time_offset="none")
    assert anchored.model("power_law").intervals["n"][0] > n_true


def test_offset_absorbs_a_shift_of_time_zero():
    # invariant: moving time zero 1.5 s later moves t0 by 1.5 s, leaves n and B unchanged
    t, x, _, _ = law_curve("surface_diffusion", x0_over_a=0.15, x_over_a_end=0.35,
                           t_start_s=2.0, noise=0.01, rng=4)
    f1 = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=0, time_offset="fit")
    f2 = fit_neck_growth(t - 1.5, x, particle_radius_nm=A_NM, n_boot=0, time_offset="fit")
    for key in ("power_law", "surface_diffusion"):
        p1, p2 = f1.model(key).params, f2.model(key).params
        assert p2["t0_s"] == pytest.approx(p1["t0_s"] + 1.5, abs=0.02)
    assert (f2.model("power_law").params["n"]
            == pytest.approx(f1.model("power_law").params["n"], rel=0.02))
    assert (f2.model("surface_diffusion").params["B"]
            == pytest.approx(f1.model("surface_diffusion").params["B"], rel=0.02))


def test_anchored_curves_keep_the_anchored_fit():
    # without an initial neck the offset does not earn its parameter: the laws stay anchored
    for key in ("viscous_flow", "surface_diffusion"):
        t, x, _ = law_curve(key)
        fit = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=0, two_stage=False)
        assert not fit.time_offset_fitted
        assert fit.model("power_law").params["t0_s"] == 0.0


def test_bad_time_offset_option():
    t = np.arange(1.0, 11.0)
    with pytest.raises(InputError, match="time_offset"):
        fit_neck_growth(t, t, particle_radius_nm=1.0, time_offset="maybe")


def test_shrinking_neck_has_a_finite_negative_n_interval():
    """A neck that shrinks (1/n < 0 throughout its interval) gets the interval of n from the
    inverses of 1/n's bounds, not an empty one."""
    rng = np.random.default_rng(4)
    t = np.linspace(10.0, 400.0, 80)
    x = 3.0 * (t / 10.0) ** -0.05 * (1 + 0.01 * rng.standard_normal(t.size))
    fit = fit_neck_growth(t, x, particle_radius_nm=A_NM, n_boot=200, rng=1, two_stage=False)
    pl = fit.model("power_law")
    e_lo, e_hi = pl.intervals["exponent"]
    assert e_hi < 0
    lo, hi = pl.intervals["n"]
    assert np.isfinite(lo) and np.isfinite(hi) and lo < pl.params["n"] < hi < 0
    assert (lo, hi) == pytest.approx((1 / e_hi, 1 / e_lo))
