"""The rim-free neck image fit at and near the lobes' overlap: a neck the image cannot tell
from the overlapping lobe circles comes out at their half chord (the smallest neck their
union has), with a one-sided error, instead of 0 (which sent the pipeline back to the
0.3-nm slab fit, 0.4-0.7 nm too wide for 1-1.5 nm necks on the test movies)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage as ndi
from synth import projected_thickness_nm

from nanosinter.analysis._profile import _rise_distance, fit_neck_image
from nanosinter.geometry import dimer_shape

PS = 0.1
R1, R2 = 7.0, 6.5
K, BLUR = 0.02, 0.25


def _half_chord(r1, r2, d):
    xi = (d * d + r1 * r1 - r2 * r2) / (2 * d)
    return math.sqrt(r1 * r1 - xi * xi)


def _fit(d, neck_nm, noise, seed=0, d_fit=None):
    """Rendered (supersampled, blurred) contrast of the revolved dimer plus white noise,
    fitted with the true lobes (or the lobes ``d_fit`` apart), contrast and blur."""
    shape = dimer_shape(r1_nm=R1, r2_nm=R2, center_distance_nm=d, neck_radius_nm=neck_nm)
    shape_px = (180, 320)
    ny, nx = shape_px
    centre = ((nx - 1) / 2 * PS, (ny - 1) / 2 * PS)
    thick = projected_thickness_nm(shape_px, PS, shape, center_nm=centre)
    tau = ndi.gaussian_filter(K * thick, BLUR / PS, mode="nearest")
    tau = tau + np.random.default_rng(seed).normal(0.0, noise, tau.shape)
    c1 = np.array([centre[0] - d / 2, centre[1]])
    u = np.array([1.0, 0.0])
    xx, yy = np.meshgrid(np.arange(nx) * PS, np.arange(ny) * PS)
    s = xx - c1[0]
    t = yy - c1[1]
    s0 = (d * d + R1 * R1 - R2 * R2) / (2 * d)
    win = (np.abs(s - s0) <= 1.5) & (np.abs(t) < R2 + 1.0)
    d_fit = d if d_fit is None else d_fit
    return fit_neck_image(tau, PS, c1_xy=c1, axis_u=u, r1=R1, r2=R2, d=d_fit, k=K, b=0.0,
                          sigma=BLUR, rn0=0.5, window=win)


def test_overlapping_lobes_without_a_neck_give_their_half_chord():
    # The image: circles overlapping by 0.1 nm, no neck. The model's lobes overlap by
    # 0.4 nm (as when the lobe fits come out a little large): every model neck is at least
    # their half chord (1.63 nm), and the image shows less than any of them.
    d, d_fit = R1 + R2 - 0.1, R1 + R2 - 0.4
    chord = _half_chord(R1, R2, d_fit)
    fit = _fit(d, 0.0, noise=0.002, d_fit=d_fit)
    assert fit.values["rn"] == pytest.approx(chord, abs=1e-9)
    # One-sided error from the rise of the sum of squares: finite and positive.
    err = fit.errors["rn"]
    assert 0.0 < err < 1.0
    # With the true lobes the neck-free image is fitted within a grid step of their chord.
    chord_true = _half_chord(R1, R2, d)
    assert chord_true - 1e-9 <= _fit(d, 0.0, noise=0.002).values["rn"] < chord_true + 0.2


def test_a_neck_beyond_the_chord_is_still_measured():
    d = R1 + R2 - 0.3
    fit = _fit(d, 2.5, noise=0.002)
    assert abs(fit.values["rn"] - 2.5) < 0.1


def test_lobes_apart_keep_the_grid_from_zero():
    # Circles 0.5 nm apart, no neck: nothing to bridge, the fit stays at 0.
    fit = _fit(R1 + R2 + 0.5, 0.0, noise=0.002)
    assert fit.values["rn"] == pytest.approx(0.0, abs=0.2)


def test_rise_distance_of_a_parabola():
    grid = np.linspace(0.0, 4.0, 41)
    costs = np.full(grid.size, np.inf)
    costs[0] = 0.0

    def cost(x):
        return x * x

    # cost reaches 1 at x = 1 (linear interpolation between 0.9 and 1.0 is exact enough).
    assert _rise_distance(cost, grid, costs, 0.0, 1.0) == pytest.approx(1.0, abs=0.01)
    # Never rising by 100 on this grid: the whole span.
    assert _rise_distance(cost, grid, costs, 0.0, 100.0) == pytest.approx(4.0)
