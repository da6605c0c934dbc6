"""Kuczynski D_s from the surface-diffusion fit, and the knock-on beam budget."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import constants

from nanosinter.errors import InputError
from nanosinter.kinetics import (
    beam_budget,
    fit_neck_growth,
    hops_needed,
    surface_diffusivity,
    surface_diffusivity_from_B,
)


def _kuczynski_curve(D_s_m2_s, *, a_nm=7.5, gamma=0.5, omega_nm3=0.0497, T=300.0, rng=0):
    # x^7 / a^3 = 56 gamma delta^4 D_s t / kT in SI units, delta = Omega^(1/3)
    t = np.geomspace(10, 1500, 40)
    a = a_nm * 1e-9
    delta = (omega_nm3 * 1e-27) ** (1 / 3)
    x = (a**3 * 56 * gamma * delta**4 * D_s_m2_s * t / (constants.k * T)) ** (1 / 7)
    g = np.random.default_rng(rng)
    return t, x * 1e9 * (1 + 0.03 * g.standard_normal(t.size))


def test_surface_diffusivity_recovered_from_kuczynski_curve():
    D_true = 3.0e-23  # m^2/s
    t, x = _kuczynski_curve(D_true)
    fit = fit_neck_growth(t, x, particle_radius_nm=7.5, n_boot=400, rng=0, two_stage=False)
    ds = surface_diffusivity(fit, temperature_K=300.0, surface_energy_J_per_m2=0.5,
                             atomic_volume_nm3=0.0497)
    assert ds.D_s_m2_per_s == pytest.approx(D_true, rel=0.1)
    lo, hi = ds.interval_nm2_per_s
    assert lo * 1e-18 <= D_true <= hi * 1e-18


def test_diffusivity_scales_as_kT_over_gamma():
    base = surface_diffusivity_from_B(1.0, temperature_K=300, surface_energy_J_per_m2=0.5)
    assert surface_diffusivity_from_B(1.0, temperature_K=600, surface_energy_J_per_m2=0.5) \
        == pytest.approx(2 * base)
    assert surface_diffusivity_from_B(1.0, temperature_K=300, surface_energy_J_per_m2=1.0) \
        == pytest.approx(base / 2)
    assert surface_diffusivity_from_B(1.0, prefactor=28.0) == pytest.approx(
        2 * surface_diffusivity_from_B(1.0))
    with pytest.raises(InputError, match="surface_energy_J_per_m2"):
        surface_diffusivity_from_B(1.0, surface_energy_J_per_m2=0.0)


def test_hops_needed_random_walk():
    # 2-D random walk: <r^2> = 4 D t = N lambda^2
    assert hops_needed(1.0, 2.0, hop_length_nm=0.5) == pytest.approx(32.0)
    with pytest.raises(InputError, match="hop_length_nm"):
        hops_needed(1.0, 1.0, hop_length_nm=-1)


def test_beam_budget_matches_cross_section_times_flux():
    from nanosinter.beam import displacement_cross_section_barn
    from nanosinter.materials import element

    s = element("S")
    b = beam_budget(D_s_nm2_per_s=1e-5, exposure_s=1000.0, dose_rate_e_per_A2_s=50.0,
                    elements=("S",), hop_threshold_eV={"S": 3.0})
    sigma = displacement_cross_section_barn(300.0, s.Z, s.mass_u, 3.0)
    supplied = sigma * 1e-8 * 50.0 * 1000.0
    needed = 4 * 1e-5 * 1000.0 / 0.4136**2
    row = b.elements[0]
    assert row.hops_supplied == pytest.approx(supplied, rel=1e-9)
    assert b.hops_needed == pytest.approx(needed, rel=1e-9)
    assert b.limiting_ratio == pytest.approx(supplied / needed, rel=1e-9)
    assert b.can_explain == (supplied >= needed)


def test_break_even_threshold_balances_supply_and_need():
    b = beam_budget(D_s_nm2_per_s=1e-4, exposure_s=600.0, dose_rate_e_per_A2_s=100.0,
                    elements=("Cd", "S"), hop_threshold_eV={"Cd": 0.9, "S": 5.63})
    for row in b.elements:
        e_be = row.break_even_threshold_eV
        assert 0 < e_be < row.max_transfer_eV
        again = beam_budget(D_s_nm2_per_s=1e-4, exposure_s=600.0, dose_rate_e_per_A2_s=100.0,
                            elements=(row.symbol,), hop_threshold_eV={row.symbol: e_be})
        assert again.limiting_ratio == pytest.approx(1.0, rel=1e-4)
    # the ratio does not depend on the exposure (both sides scale with t)
    b2 = beam_budget(D_s_nm2_per_s=1e-4, exposure_s=60.0, dose_rate_e_per_A2_s=100.0,
                     elements=("Cd", "S"), hop_threshold_eV={"Cd": 0.9, "S": 5.63})
    assert b2.limiting_ratio == pytest.approx(b.limiting_ratio, rel=1e-12)
    assert "Cd" in " ".join(b.notes)  # Z >= 28 flagged


def test_beam_budget_bad_input():
    with pytest.raises(InputError, match="dose_rate_e_per_A2_s"):
        beam_budget(D_s_nm2_per_s=1e-5, exposure_s=10, dose_rate_e_per_A2_s=-1)
    with pytest.raises(InputError, match="elements"):
        beam_budget(D_s_nm2_per_s=1e-5, exposure_s=10, dose_rate_e_per_A2_s=1, elements=())
