"""Dimer geometry: the forward model is solved exactly and its parameters are measured back."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanosinter.errors import AnalysisError, InputError
from nanosinter.geometry import (
    GEOMETRY_COLUMNS,
    dimer_shape,
    fit_circle,
    inside_dimer,
    measure_dimer_mask,
    synthetic_dimer_mask,
)

PS = 0.1  # nm per pixel, the test resolution
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_equal_spheres_neck_arc_matches_closed_form():
    # Two equal touching circles a, d = 2a: (a)^2 + (r + R)^2 = (a + R)^2  =>  R = r^2 / (2(a - r)).
    a, r = 7.5, 3.0
    s = dimer_shape(r1_nm=a, r2_nm=a, center_distance_nm=2 * a, neck_radius_nm=r)
    assert s.neck_curvature_radius_nm == pytest.approx(r * r / (2 * (a - r)), rel=1e-10)
    assert s.fillet_x_nm == pytest.approx(a, rel=1e-12)


@FAST
@given(
    r1=st.floats(3.0, 9.0), r2=st.floats(3.0, 9.0), gap=st.floats(-1.5, 1.5),
    frac=st.floats(0.15, 0.9),
)
def test_neck_arc_is_tangent_to_both_lobes(r1, r2, gap, frac):
    d = r1 + r2 + gap
    lo = 0.0
    if gap < 0:
        x = (d * d + r1 * r1 - r2 * r2) / (2 * d)
        lo = math.sqrt(max(r1 * r1 - x * x, 0.0))
    r = lo + frac * (min(r1, r2) - lo)
    s = dimer_shape(r1_nm=r1, r2_nm=r2, center_distance_nm=d, neck_radius_nm=r)
    big_r = s.neck_curvature_radius_nm
    assert math.hypot(s.fillet_x_nm, s.fillet_y_nm) == pytest.approx(r1 + big_r, rel=1e-9)
    assert math.hypot(s.fillet_x_nm - d, s.fillet_y_nm) == pytest.approx(r2 + big_r, rel=1e-9)
    assert s.fillet_y_nm - big_r == pytest.approx(r, rel=1e-9)
    # The narrowest section between the centres is at the arc's lowest point, half width r.
    xs = np.linspace(0, d, 4001)
    ys = np.linspace(0, max(r1, r2), 4001)
    inside = inside_dimer(xs[:, None], ys[None, :], s)
    half = np.where(inside.any(axis=1), ys[np.argmax(~inside, axis=1) - 1], 0.0)
    assert half.min() == pytest.approx(r, abs=2 * (ys[1] - ys[0]))


def test_separated_discs_area():
    m = synthetic_dimer_mask((200, 300), PS, r1_nm=6.0, r2_nm=4.0, center_distance_nm=12.0)
    assert m.dtype == bool
    assert m.sum() * PS**2 == pytest.approx(np.pi * (36 + 16), rel=0.01)
    cov = synthetic_dimer_mask(
        (200, 300), PS, r1_nm=6.0, r2_nm=4.0, center_distance_nm=12.0, supersample=4
    )
    assert cov.sum() * PS**2 == pytest.approx(np.pi * (36 + 16), rel=0.002)


@FAST
@given(
    r1=st.floats(2.0, 7.0), r2=st.floats(2.0, 7.0), gap=st.floats(0.4, 4.0),
    angle=st.floats(0.0, 180.0),
)
def test_separated_dimer_is_recovered(r1, r2, gap, angle):
    d = r1 + r2 + gap
    # The whole dimer (up to 2 (7 + 7) + 4 = 32 nm long) must fit in the field of view: a
    # lobe cut by the border is a different shape.
    m = synthetic_dimer_mask((360, 360), PS, r1_nm=r1, r2_nm=r2, center_distance_nm=d,
                             angle_deg=angle)
    g = measure_dimer_mask(m, PS)
    assert not g.contact
    assert sorted([g.r1_nm, g.r2_nm]) == pytest.approx(sorted([r1, r2]), abs=0.05)
    assert g.center_distance_nm == pytest.approx(d, abs=0.05)
    assert g.gap_nm == pytest.approx(gap, abs=0.1)
    assert math.isnan(g.neck_radius_nm) and math.isnan(g.neck_curvature_radius_nm)
    assert g.volume_nm3 == pytest.approx(4 / 3 * np.pi * (r1**3 + r2**3), rel=0.02)


@FAST
@given(
    r1=st.floats(3.0, 7.0), r2=st.floats(3.0, 7.0), gap=st.floats(-1.5, 0.5),
    frac=st.floats(0.2, 0.85), angle=st.floats(0.0, 180.0),
)
def test_necked_dimer_is_recovered(r1, r2, gap, frac, angle):
    d = r1 + r2 + gap
    lo = 0.0
    if gap < 0:
        x = (d * d + r1 * r1 - r2 * r2) / (2 * d)
        lo = math.sqrt(max(r1 * r1 - x * x, 0.0))
    r = lo + frac * (min(r1, r2) - lo)
    truth = dimer_shape(r1_nm=r1, r2_nm=r2, center_distance_nm=d, neck_radius_nm=r)
    m = synthetic_dimer_mask((300, 300), PS, r1_nm=r1, r2_nm=r2, center_distance_nm=d,
                             neck_radius_nm=r, angle_deg=angle)
    g = measure_dimer_mask(m, PS)
    assert g.contact and g.gap_nm == 0.0
    # Stated tolerances on a binary mask at 0.1 nm/px: radii and distance 0.1 nm (1 px),
    # neck radius 0.15 nm (see below), neck curvature radius 20 % once R >= 0.5 nm (5 px; the
    # typical error is below 1 %, the worst are nearly flat late-stage necks with R > 10 nm).
    assert sorted([g.r1_nm, g.r2_nm]) == pytest.approx(sorted([r1, r2]), abs=0.1)
    assert g.center_distance_nm == pytest.approx(d, abs=0.1)
    # A cusp sharper than the 1 px smoothing (R < 0.1 nm) is rounded: 0.3 nm there.
    tol = 0.15 if truth.neck_curvature_radius_nm >= 0.1 else 0.3
    assert g.neck_radius_nm == pytest.approx(r, abs=tol)
    if truth.neck_curvature_radius_nm >= 0.5:
        assert g.neck_curvature_radius_nm == pytest.approx(truth.neck_curvature_radius_nm,
                                                           rel=0.20)
    assert all(np.isfinite(v) and v >= 0 for k, v in g.as_dict().items() if k.endswith("_err")
               and k not in ("neck_curvature_radius_nm_err",))


def test_lobe_order_and_hints():
    m = synthetic_dimer_mask((200, 300), PS, r1_nm=7.0, r2_nm=4.0, center_distance_nm=12.0,
                             neck_radius_nm=2.5)
    g = measure_dimer_mask(m, PS)
    assert g.r1_nm == pytest.approx(7.0, abs=0.1) and g.lobe1_xy_nm[0] < g.lobe2_xy_nm[0]
    h = measure_dimer_mask(m, PS, lobe_hints_nm=(g.lobe2_xy_nm, g.lobe1_xy_nm))
    assert h.r1_nm == pytest.approx(g.r2_nm) and h.r2_nm == pytest.approx(g.r1_nm)


def test_single_particle_is_flagged_not_split():
    yy, xx = np.mgrid[:200, :200]
    m = (xx - 100) ** 2 + (yy - 90) ** 2 <= 60**2
    g = measure_dimer_mask(m, PS)
    assert g.n_bodies == 1 and "one particle" in g.flag
    assert g.r1_nm == pytest.approx(6.0, abs=0.05) and math.isnan(g.r2_nm)


def test_border_and_extra_bodies_are_flagged():
    m = synthetic_dimer_mask((200, 300), PS, r1_nm=5.0, r2_nm=5.0, center_distance_nm=12.0)
    m[0:5, 0:5] = True  # specks are ignored but counted
    g = measure_dimer_mask(m, PS)
    assert "bodies" in g.flag and "border" not in g.flag
    assert g.r1_nm == pytest.approx(5.0, abs=0.05)
    cut = synthetic_dimer_mask((200, 300), PS, r1_nm=5.0, r2_nm=5.0, center_distance_nm=12.0,
                               center_nm=(25.0, 10.0))
    assert "border" in measure_dimer_mask(cut, PS).flag


def test_as_dict_has_contract_columns():
    m = synthetic_dimer_mask((200, 300), PS, r1_nm=5.0, r2_nm=5.0, center_distance_nm=11.0)
    d = measure_dimer_mask(m, PS).as_dict()
    assert list(d)[: len(GEOMETRY_COLUMNS)] == list(GEOMETRY_COLUMNS)
    assert d["contact"] == 0 and "r1_nm_err" in d and "contact_err" not in d


@pytest.mark.parametrize(
    ("mask", "error", "words"),
    [
        (np.zeros((50, 50), bool), AnalysisError, "no particle"),
        (np.full((50, 50), np.nan), InputError, "finite"),
        (np.zeros((3, 50, 50), bool), InputError, "2-D"),
        (np.full((50, 50), 3.0), InputError, "[0, 1]"),
    ],
)
def test_bad_masks_raise_typed_errors(mask, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        measure_dimer_mask(mask, PS)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(r1_nm=-1, r2_nm=2, center_distance_nm=5),
        dict(r1_nm=5, r2_nm=1, center_distance_nm=2),  # disc inside disc
        dict(r1_nm=5, r2_nm=5, center_distance_nm=10, neck_radius_nm=6),
        dict(r1_nm=5, r2_nm=5, center_distance_nm=8, neck_radius_nm=1),  # below overlap chord
    ],
)
def test_bad_shapes_raise(kwargs):
    with pytest.raises(InputError):
        dimer_shape(**kwargs)


def test_circle_fit_recovers_noisy_circle():
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 2 * np.pi, 400)
    x = 3 + 10 * np.cos(a) + rng.normal(0, 0.1, a.size)
    y = -2 + 10 * np.sin(a) + rng.normal(0, 0.1, a.size)
    f = fit_circle(x, y)
    assert (f.x, f.y, f.radius) == pytest.approx((3, -2, 10), abs=0.03)
    assert f.radius_err == pytest.approx(0.1 / np.sqrt(400), rel=0.3)
    with pytest.raises(AnalysisError):
        fit_circle([0, 1], [0, 1])


@pytest.mark.parametrize("n_iter", [0, 3, 20])
def test_batched_circle_fits_equal_single_fits(n_iter):
    # fit_circles (the particle measurements' batch) = fit_circle set by set, to round-off
    # (1e-9 relative: the sums are taken in another order), None where fit_circle raises.
    from nanosinter.geometry._circle import fit_circles

    rng = np.random.default_rng(7)
    xs, ys = [], []
    for _ in range(40):
        t = np.sort(rng.uniform(0, rng.uniform(0.5, 2 * np.pi), rng.integers(3, 200)))
        r = rng.uniform(0.5, 30)
        xs.append(5 + r * np.cos(t) + rng.normal(0, 0.1, t.size))
        ys.append(-3 + r * np.sin(t) + rng.normal(0, 0.1, t.size))
    xs += [[0.0, 1.0], np.zeros(6), np.arange(8.0)]  # too few points; all on one point
    ys += [[0.0, 1.0], np.zeros(6), np.zeros(8)]  # ... or on a line: no circle
    fits = fit_circles(xs, ys, correlation_length=3.0, n_iter=n_iter)
    assert fits[-3:] == [None, None, None]
    for x, y, g in zip(xs[:-3], ys[:-3], fits[:-3], strict=True):
        f = fit_circle(x, y, correlation_length=3.0, n_iter=n_iter)
        assert g is not None and g.n_points == f.n_points
        for name in ("x", "y", "radius", "x_err", "y_err", "radius_err", "rms"):
            assert getattr(g, name) == pytest.approx(getattr(f, name), rel=1e-9, abs=1e-12)
