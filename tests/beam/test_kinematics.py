"""Knock-on kinematics and cross sections against published numbers (PHYSICS.md §2)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanosinter.beam import (
    CrossSectionValidityWarning,
    beta_squared,
    displacement_cross_section_barn,
    energy_transfer_eV,
    is_reachable,
    max_energy_transfer_eV,
    sputter_cross_section_barn,
    sputter_min_energy_eV,
    threshold_angle_deg,
    threshold_beam_energy_keV,
)
from nanosinter.errors import InputError
from nanosinter.materials import element

REL = 2e-3

# Egerton's sigdis example: carbon, A = 12, E_d = E_s = 10 eV, 200 keV (PHYSICS.md §2).
EGERTON = dict(E_max=43.73, threshold_keV=52.0, E_min=20.91, ruth_sph=66.93, ruth_pla=21.65,
               mf_sph=54.10, mf_pla=14.86)


def test_egerton_sigdis_example():
    assert max_energy_transfer_eV(200.0, 12.0) == pytest.approx(EGERTON["E_max"], rel=REL)
    assert threshold_beam_energy_keV(12.0, 10.0) == pytest.approx(EGERTON["threshold_keV"], rel=REL)
    assert sputter_min_energy_eV(200.0, 12.0, 10.0) == pytest.approx(EGERTON["E_min"], rel=REL)
    args = (200.0, 6, 12.0, 10.0)
    assert displacement_cross_section_barn(*args, model="rutherford") == pytest.approx(
        EGERTON["ruth_sph"], rel=REL)
    assert sputter_cross_section_barn(*args, model="rutherford") == pytest.approx(
        EGERTON["ruth_pla"], rel=REL)
    assert displacement_cross_section_barn(*args) == pytest.approx(EGERTON["mf_sph"], rel=REL)
    assert sputter_cross_section_barn(*args) == pytest.approx(EGERTON["mf_pla"], rel=REL)


def test_carbon_emax_at_common_voltages():
    got = max_energy_transfer_eV(np.array([80.0, 100.0, 200.0, 300.0]), element("C").mass_u)
    np.testing.assert_allclose(got, [15.76, 20.06, 43.69, 70.90], rtol=REL)


@pytest.mark.parametrize(
    ("symbol", "e_b", "e_max", "angle"),
    [("Cd", 0.90, 7.575, 40.33), ("Se", 5.01, 10.783, 85.94), ("S", 5.63, 26.561, 54.83)],
)
def test_paper_elements_at_300kV(symbol, e_b, e_max, angle):
    m = element(symbol).mass_u
    assert max_energy_transfer_eV(300.0, m) == pytest.approx(e_max, abs=1.5e-3)
    assert threshold_angle_deg(300.0, m, e_b) == pytest.approx(angle, abs=0.005)


def test_paper_angles_are_not_what_eq1_gives():
    # Tang et al. 2023 quote 149°, 107°, 65° for Cd, Se, S: none is within 10° of Eq. 1.
    for symbol, e_b, wrong in [("Cd", 0.90, 149.0), ("Se", 5.01, 107.0), ("S", 5.63, 65.0)]:
        assert abs(threshold_angle_deg(300.0, element(symbol).mass_u, e_b) - wrong) > 10.0


def test_unreachable_is_nan_and_flagged():
    m = element("Cd").mass_u
    theta = threshold_angle_deg(300.0, m, [0.9, 50.0])
    assert math.isnan(theta[1]) and not math.isnan(theta[0])
    np.testing.assert_array_equal(is_reachable(300.0, m, [0.9, 50.0]), [True, False])
    # E_b == E_max exactly is reachable at 180°.
    emax = max_energy_transfer_eV(300.0, m)
    assert threshold_angle_deg(300.0, m, emax) == pytest.approx(180.0)


def test_broadcasting_shapes():
    out = energy_transfer_eV(np.array([100.0, 300.0])[:, None], [12.0, 32.06, 112.414],
                             np.linspace(0, 180, 7)[:, None, None])
    assert out.shape == (7, 2, 3)
    assert np.all(out[0] == 0.0)
    np.testing.assert_allclose(out[-1], max_energy_transfer_eV(np.array([100.0, 300.0])[:, None],
                                                               [12.0, 32.06, 112.414]))


def test_beta_squared_300kV():
    # γ = 1 + 300/511 → β = 0.7765 (textbook value for 300 kV electrons)
    assert math.sqrt(beta_squared(300.0)) == pytest.approx(0.7765, abs=2e-4)


def test_mf_warns_for_heavy_atoms_and_can_be_silenced():
    with pytest.warns(CrossSectionValidityWarning, match="Z = 48"):
        displacement_cross_section_barn(300.0, 48, 112.414, 2.0)
    with pytest.warns(CrossSectionValidityWarning):
        sputter_cross_section_barn(300.0, [16, 34, 48], [32.06, 78.971, 112.414], 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        displacement_cross_section_barn(300.0, 48, 112.414, 2.0, warn=False)
        displacement_cross_section_barn(300.0, 48, 112.414, 2.0, model="rutherford")
        displacement_cross_section_barn(300.0, 27, 58.9, 2.0)  # Co, Z < 28: no warning


@pytest.mark.parametrize(
    "call",
    [
        lambda: max_energy_transfer_eV(-1.0, 12.0),
        lambda: max_energy_transfer_eV(100.0, 0.0),
        lambda: energy_transfer_eV(100.0, 12.0, 190.0),
        lambda: threshold_angle_deg(100.0, 12.0, 0.0),
        lambda: threshold_beam_energy_keV(12.0, -5.0),
        lambda: displacement_cross_section_barn(100.0, 6.5, 12.0, 10.0),
        lambda: displacement_cross_section_barn(100.0, 6, 12.0, 10.0, model="mott"),
        lambda: max_energy_transfer_eV("abc", 12.0),
        lambda: max_energy_transfer_eV(np.nan, 12.0),
        lambda: max_energy_transfer_eV([100.0, 200.0], [12.0, 13.0, 14.0]),
        lambda: threshold_angle_deg(300.0, [12.0, 13.0], [1.0, 2.0, 3.0]),
        lambda: sputter_cross_section_barn(300.0, [6, 7], 12.0, [1.0, 2.0, 3.0]),
    ],
)
def test_bad_input_raises_input_error(call):
    with pytest.raises(InputError):
        call()


# ---- hypothesis properties -----------------------------------------------------------------

energies = st.floats(1.0, 3000.0)
masses = st.floats(1.0, 260.0)


@given(energies, masses, st.floats(0.0, 180.0), st.floats(0.0, 180.0))
def test_energy_transfer_monotonic_in_angle(e0, m, a, b):
    lo, hi = sorted((a, b))
    assert energy_transfer_eV(e0, m, lo) <= energy_transfer_eV(e0, m, hi)


@given(energies, masses, st.floats(1e-3, 1.0))
def test_threshold_angle_round_trip(e0, m, frac):
    e_b = frac * max_energy_transfer_eV(e0, m)
    theta = threshold_angle_deg(e0, m, e_b)
    assert energy_transfer_eV(e0, m, theta) == pytest.approx(e_b, rel=1e-9)


@given(masses, st.floats(0.01, 100.0))
def test_threshold_beam_energy_round_trip(m, e_d):
    e0 = threshold_beam_energy_keV(m, e_d)
    assert max_energy_transfer_eV(e0, m) == pytest.approx(e_d, rel=1e-9)


@settings(max_examples=60)
@given(energies, st.integers(1, 27), masses, st.floats(0.1, 100.0),
       st.sampled_from(["mckinley-feshbach", "rutherford"]))
def test_cross_sections_nonnegative_and_zero_below_threshold(e0, z, m, e_d, model):
    sd = displacement_cross_section_barn(e0, z, m, e_d, model=model)
    ss = sputter_cross_section_barn(e0, z, m, e_d, model=model)
    assert sd >= 0.0 and ss >= 0.0
    if max_energy_transfer_eV(e0, m) <= e_d:
        assert sd == 0.0 and ss == 0.0
    else:
        assert sd > 0.0 and ss > 0.0


@given(st.floats(1.0, 3000.0), st.floats(1.01, 1e4))
def test_mf_tends_to_first_born_mott_as_z_goes_to_zero(e0, x):
    # The Z-dependent McKinley–Feshbach term vanishes as Z → 0, leaving the first Born (Mott)
    # term x − 1 − β² ln x; as β → 0 as well this becomes the Rutherford (x − 1).
    from nanosinter.beam._cross_sections import _sigma_barn

    b2 = np.asarray(beta_squared(e0))
    z = np.array([1e-6])
    mf = _sigma_barn(b2, z, np.array([x]), "mckinley-feshbach")[0]
    ru = _sigma_barn(b2, z, np.array([x]), "rutherford")[0]
    assert mf / ru == pytest.approx((x - 1 - b2 * math.log(x)) / (x - 1), rel=1e-5)
    b2_slow = np.asarray(beta_squared(1e-3))
    mf0 = _sigma_barn(b2_slow, z, np.array([x]), "mckinley-feshbach")[0]
    ru0 = _sigma_barn(b2_slow, z, np.array([x]), "rutherford")[0]
    assert mf0 / ru0 == pytest.approx(1.0, rel=1e-4)
