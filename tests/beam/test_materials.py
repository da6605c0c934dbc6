"""Element data, energy data sets, compounds and crystallography (PHYSICS.md §1, §4)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanosinter.errors import InputError, UnknownElementError
from nanosinter.materials import (
    DATASETS,
    compound,
    d_spacing_nm,
    dataset_elements,
    default_displacement_energy_eV,
    density_g_per_cm3,
    element,
    energy_table,
    lattice_constant_nm,
    mean_excitation_energy_eV,
    selenium_fraction,
    surface_binding_energy_eV,
)


def test_element_from_periodictable():
    cd = element("Cd")
    assert (cd.symbol, cd.Z) == ("Cd", 48)
    assert cd.mass_u == pytest.approx(112.414, abs=1e-3)
    assert element("se").Z == 34 and element("S").mass_u == pytest.approx(32.06, abs=0.01)


@pytest.mark.parametrize("bad", ["Xx", "", "Cd2", "123", None])
def test_unknown_element(bad):
    with pytest.raises(UnknownElementError):
        element(bad)


def test_named_energy_datasets():
    assert set(DATASETS) == {"crc", "srim", "tang2023"}
    # PHYSICS.md §1: tang2023 values, CRC atomisation enthalpies, SRIM surface binding energies.
    expected = {
        "tang2023": {"Cd": 0.90, "S": 5.63, "Se": 5.01},
        "crc": {"Cd": 1.159, "Se": 2.355, "S": 2.873},
        "srim": {"Cd": 1.16, "Se": 2.14, "S": 2.88},
    }
    for name, values in expected.items():
        for sym, ev in values.items():
            assert surface_binding_energy_eV(sym, name) == pytest.approx(ev, abs=2.5e-3)
    assert dataset_elements("tang2023") == ("Cd", "S", "Se")


def test_energy_overrides_and_missing_values():
    assert surface_binding_energy_eV("Cd", "tang2023", overrides={"cd": 2.5}) == 2.5
    assert surface_binding_energy_eV("Se", "tang2023", overrides={"Cd": 2.5}) == 5.01
    with pytest.raises(UnknownElementError, match="tang2023"):
        surface_binding_energy_eV("C", "tang2023")
    with pytest.raises(InputError, match="dataset"):
        surface_binding_energy_eV("Cd", "nist")
    with pytest.raises(InputError):
        surface_binding_energy_eV("Cd", "crc", overrides={"Cd": -1.0})


def test_default_displacement_energy_is_five_thirds_of_sublimation():
    assert default_displacement_energy_eV("Cd", "crc") == pytest.approx(
        5.0 / 3.0 * surface_binding_energy_eV("Cd", "crc"), rel=1e-12)


def test_energy_table_lists_every_dataset():
    rows = energy_table(["Cd", "C"])
    assert rows[0]["tang2023_eV"] == 0.90 and rows[1]["tang2023_eV"] is None
    assert rows[1]["srim_eV"] == 7.41


def test_compound_parsing():
    m = compound("CdSe0.5S0.5")
    assert m.composition == {"Cd": 1.0, "Se": 0.5, "S": 0.5}
    assert m.mean_Z == pytest.approx((48 + 0.5 * 34 + 0.5 * 16) / 2)
    assert m.formula_mass_u == pytest.approx(112.414 + 0.5 * 78.971 + 0.5 * 32.06, abs=2e-3)
    assert sum(m.mass_fractions.values()) == pytest.approx(1.0)
    assert compound("H2O").Z_over_A == pytest.approx(0.5551, abs=2e-4)
    for bad in ["", "Cd-Se", "cdse", "Cd0Se", "CdSe)"]:
        with pytest.raises(InputError):
            compound(bad)


# PHYSICS.md §4 d-spacings in Å.
D_SPACINGS = [
    ("CdS", "wurtzite", (1, 0, 0), 3.582), ("CdS", "wurtzite", (0, 0, 2), 3.357),
    ("CdS", "wurtzite", (1, 0, 1), 3.160), ("CdS", "wurtzite", (1, 0, 2), 2.449),
    ("CdS", "wurtzite", (1, 1, 0), 2.068), ("CdS", "zincblende", (1, 1, 1), 3.359),
    ("CdS", "zincblende", (2, 0, 0), 2.909), ("CdS", "zincblende", (2, 2, 0), 2.057),
    ("CdSe", "wurtzite", (1, 0, 0), 3.723), ("CdSe", "wurtzite", (0, 0, 2), 3.505),
    ("CdSe", "wurtzite", (1, 0, 1), 3.288), ("CdSe", "zincblende", (1, 1, 1), 3.509),
    ("CdSe", "zincblende", (2, 0, 0), 3.039), ("CdSe", "zincblende", (2, 2, 0), 2.149),
]


@pytest.mark.parametrize(("mat", "phase", "hkl", "d_A"), D_SPACINGS)
def test_d_spacings(mat, phase, hkl, d_A):
    assert d_spacing_nm(mat, phase, hkl) * 10 == pytest.approx(d_A, abs=1.5e-3)


def test_no_zincblende_reflection_near_3p6_angstrom():
    # Tang et al. call 3.6 Å "CdS (100) zinc blende"; (100) is forbidden in zinc blende and no
    # allowed zinc-blende reflection (all-odd or all-even hkl) lies within 0.15 Å of 3.6 Å.
    allowed = [(h, k, l) for h in range(4) for k in range(4) for l in range(4)
               if (h, k, l) != (0, 0, 0) and len({h % 2, k % 2, l % 2}) == 1]
    d = [d_spacing_nm("CdS", "zincblende", hkl) * 10 for hkl in allowed]
    assert min(abs(v - 3.6) for v in d) > 0.15
    assert d_spacing_nm("CdS", "wurtzite", (1, 0, 0)) * 10 == pytest.approx(3.58, abs=0.01)


def test_vegard_alloy():
    a = lattice_constant_nm("CdSe0.5S0.5", "zincblende")
    assert a == pytest.approx(0.5 * (0.6077 + 0.5818), rel=1e-12)
    assert lattice_constant_nm("CdSe0.25S0.75", "wurtzite", axis="c") == pytest.approx(
        0.25 * 0.7010 + 0.75 * 0.6714, rel=1e-12)
    assert selenium_fraction("CdSe") == 1.0 and selenium_fraction("CdS") == 0.0
    with pytest.raises(InputError):
        lattice_constant_nm("ZnS")
    with pytest.raises(InputError):
        lattice_constant_nm("CdSe", "zincblende", axis="c")
    with pytest.raises(InputError):
        lattice_constant_nm("CdSe", "rocksalt")


@given(st.floats(0.001, 0.999), st.floats(0.001, 0.999))
def test_vegard_is_monotonic_between_end_members(x, y):
    lo, hi = sorted((x, y))
    a_lo = lattice_constant_nm(f"CdSe{lo:.6f}S{1 - lo:.6f}", "wurtzite")
    a_hi = lattice_constant_nm(f"CdSe{hi:.6f}S{1 - hi:.6f}", "wurtzite")
    assert 0.4136 <= a_lo <= a_hi <= 0.4299


def test_density_from_lattice():
    # CdS wurtzite handbook density 4.82 g/cm³.
    assert density_g_per_cm3("CdS", "wurtzite") == pytest.approx(4.82, abs=0.01)
    # 4 formula units per zinc-blende cell; mass / (N_A a³).
    a_cm = 0.6077e-7
    m = compound("CdSe").formula_mass_u
    assert density_g_per_cm3("CdSe") == pytest.approx(4 * m / (6.02214076e23 * a_cm**3), rel=1e-9)


def test_mean_excitation_energy():
    assert mean_excitation_energy_eV("Cd") == pytest.approx(469.0, rel=1e-12)
    i = mean_excitation_energy_eV("CdS")
    assert 180.0 < i < 469.0
    # Bragg additivity by hand.
    w_cd, w_s = compound("CdS").mass_fractions["Cd"], compound("CdS").mass_fractions["S"]
    a, b = w_cd * 48 / 112.414, w_s * 16 / 32.06
    assert i == pytest.approx(math.exp((a * math.log(469) + b * math.log(180)) / (a + b)), rel=1e-4)
    with pytest.raises(UnknownElementError):
        mean_excitation_energy_eV("CdLi")
