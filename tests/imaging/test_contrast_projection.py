"""Contrast physics and projection: published formulas, conservation, exact shifts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanosinter.errors import InputError
from nanosinter.imaging import (
    Grid,
    atom_cross_sections_nm2,
    contrast_mean_free_path_nm,
    effective_atomic_number,
    inelastic_mean_free_path_nm,
    splat_atoms,
)
from nanosinter.imaging._contrast import CDSE_ATOMS_PER_NM3


def test_effective_atomic_number_pure_element_is_z():
    assert effective_atomic_number([29], [1.0]) == pytest.approx(29.0)
    # Malis Zeff lies between the constituents and leans to the heavier one
    z = effective_atomic_number([48, 34], [0.5, 0.5])
    assert 41.0 < z < 42.0


def test_malis_formula_by_hand():
    # E0 = 300 keV, beta = 10 mrad, Zeff = 6 worked out by hand from Malis et al. (1988):
    # F = (1 + 300/1022) / (1 + 300/511)^2, Em = 7.6 * 6^0.36,
    # lambda = 106 F E0 / (Em ln(2 beta E0 / Em))
    f = (1 + 300 / 1022) / (1 + 300 / 511) ** 2
    em = 7.6 * 6**0.36
    expected = 106 * f * 300 / (em * np.log(2 * 10 * 300 / em))
    assert inelastic_mean_free_path_nm(300.0, z_eff=6) == pytest.approx(expected, rel=1e-12)
    assert 150.0 < expected < 250.0  # carbon: ~ 200 nm at 300 kV


def test_mean_free_path_trends():
    e = np.array([80.0, 200.0, 300.0])
    lam = inelastic_mean_free_path_nm(e, z_eff=41.4)
    assert np.all(np.diff(lam) > 0)  # faster electrons travel further
    assert inelastic_mean_free_path_nm(300.0, z_eff=41.4) < inelastic_mean_free_path_nm(
        300.0, z_eff=6
    )
    lam_c = contrast_mean_free_path_nm(300.0, z_eff=41.4)
    assert lam_c == pytest.approx(inelastic_mean_free_path_nm(300.0, z_eff=41.4) * 20 / 41.4)
    assert 30.0 < lam_c < 80.0
    with pytest.raises(InputError, match="beam_energy_keV"):
        inelastic_mean_free_path_nm(-1.0, z_eff=6)


def test_cross_sections_scale_and_normalisation():
    sig = atom_cross_sections_nm2([48, 34], beam_energy_keV=300.0)
    assert sig[0] / sig[1] == pytest.approx((48 / 34) ** (4 / 3))
    lam = contrast_mean_free_path_nm(300.0, z_eff=effective_atomic_number([48, 34], [0.5, 0.5]))
    assert CDSE_ATOMS_PER_NM3 * sig.mean() == pytest.approx(1.0 / lam)
    sig50 = atom_cross_sections_nm2([48, 34], mean_free_path_nm=50.0)
    assert CDSE_ATOMS_PER_NM3 * sig50.mean() == pytest.approx(1 / 50.0)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 200),
    seed=st.integers(0, 2**31 - 1),
    dx=st.floats(-0.3, 0.3),
    dy=st.floats(-0.3, 0.3),
)
def test_splat_conserves_weight_inside(n, seed, dx, dy):
    rng = np.random.default_rng(seed)
    grid = Grid(shape=(20, 30), pixel_size_nm=0.1, x0_nm=0.0, y0_nm=0.0)
    # keep atoms at least one pixel from the border so no weight falls off the grid
    pos = np.column_stack(
        [rng.uniform(0.45, 2.55, n), rng.uniform(0.45, 1.55, n), rng.uniform(0, 5, n)]
    )
    w = rng.uniform(0.5, 2.0, n)
    out = splat_atoms(pos, grid, weights=w, shift_nm=(dx, dy))
    assert out.sum() == pytest.approx(w.sum(), rel=1e-12)
    assert out.min() >= 0.0
    near = splat_atoms(pos, grid, weights=w, shift_nm=(dx, dy), nearest=True)
    assert near.sum() == pytest.approx(w.sum(), rel=1e-12)


def test_splat_whole_pixel_shift_is_a_roll():
    rng = np.random.default_rng(3)
    grid = Grid(shape=(16, 16), pixel_size_nm=0.5, x0_nm=0.0, y0_nm=0.0)
    pos = rng.uniform(1.0, 6.0, size=(50, 3))
    a = splat_atoms(pos, grid)
    b = splat_atoms(pos, grid, shift_nm=(1.0, -0.5))  # +2 px in x, -1 px in y
    np.testing.assert_allclose(b, np.roll(np.roll(a, 2, axis=1), -1, axis=0), atol=1e-12)


def test_splat_centroid_follows_subpixel_shift():
    grid = Grid(shape=(10, 10), pixel_size_nm=1.0, x0_nm=0.0, y0_nm=0.0)
    out = splat_atoms(np.array([[4.5, 4.5, 0.0]]), grid, shift_nm=(0.3, 0.0))
    jj = np.arange(10) + 0.5
    assert (out.sum(axis=0) * jj).sum() == pytest.approx(4.8)


def test_grid_around_is_even_and_centred():
    g = Grid.around((1.0, 2.0), (3.05, 4.0), 0.1)
    assert g.shape == (32, 40)
    assert g.x0_nm + g.shape[1] * 0.1 / 2 == pytest.approx(1.0)
    assert g.y0_nm + g.shape[0] * 0.1 / 2 == pytest.approx(2.0)
    with pytest.raises(InputError, match="positions_nm"):
        splat_atoms(np.zeros(5), g)
