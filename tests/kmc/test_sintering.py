"""Sintering kinetics of the KMC against theory and against the paper's sequence.

- Two touching spheres sintering by thermal surface diffusion alone (no support, bridge or beam):
  the apparent exponent n of x/a ~ t^(1/n) over 0.1 < x/a < 0.35 must lie in 4.5-8 (Nichols &
  Mullins 1965 find 5.5-6.5 for surface diffusion; 2 would be viscous flow, 3
  evaporation-condensation, 5 volume diffusion) and the centre distance must not change by more
  than a lattice constant (surface diffusion does not densify).
- The tang2023-demo preset reaches contact and then grows a neck fast, then slower (Tang et al.
  2023, Figure 3f).

References: F. A. Nichols, W. W. Mullins, J. Appl. Phys. 36, 1826 (1965),
doi:10.1063/1.1714360; L. Tang et al., Nanomaterials 13, 3082 (2023), doi:10.3390/nano13243082.
"""

from __future__ import annotations

import copy
import csv

import numpy as np
import pytest

from nanosinter.kmc import Simulation, preset, resolve_config
from nanosinter.kmc import run as run_kmc


def _touching_spheres(radius_nm: float, temperature_K: float = 300.0) -> dict:
    m = 1.0
    r = radius_nm
    cfg = copy.deepcopy(preset("tang2023-demo"))
    cfg["geometry"].update(
        radii_nm=[r, r], core_radii_nm=[0.0, 0.0], gap_nm=0.0, truncation_nm=0.0,
        box_nm=[4 * r + 2 * m, 2 * r + 2 * m, 2 * r + 2 * m],
        centers_nm=[[m + r, m + r, m + r], [m + 3 * r, m + r, m + r]])
    cfg["support"]["enabled"] = False
    cfg["bridge"]["enabled"] = False
    cfg["beam"]["enabled"] = False
    # the saddle energy only sets the time unit; 0 keeps the clock readable
    cfg["energy"]["saddle_eV"] = 0.0
    cfg["temperature"]["temperature_K"] = temperature_K
    return resolve_config(cfg)


def _neck_growth(radius_nm, seeds, times_s):
    cfg = _touching_spheres(radius_nm)
    x = np.zeros((len(seeds), len(times_s)))
    d = np.zeros_like(x)
    d0 = []
    for i, seed in enumerate(seeds):
        sim = Simulation(cfg, seed=seed)
        d0.append(sim.observables()["center_distance_nm"])
        for j, t in enumerate(times_s):
            sim.advance(max_events=10**15, t_stop=t)
            o = sim.observables()
            x[i, j] = o["neck_radius_nm"] / radius_nm
            d[i, j] = o["center_distance_nm"]
            assert o["contact"] == 1
    return x.mean(axis=0), d, np.array(d0), cfg["geometry"]["lattice_constant_nm"]


def _apparent_n(times_s, x_over_a):
    """1 / slope of log(x/a) on log(t) over 0.1 < x/a < 0.35, once the initial contact grew."""
    sel = (x_over_a > 0.1) & (x_over_a < 0.35) & (x_over_a > 1.1 * x_over_a[0])
    assert sel.sum() >= 6, x_over_a
    slope = np.polyfit(np.log(times_s[sel]), np.log(x_over_a[sel]), 1)[0]
    return 1.0 / slope


def _check_nichols_mullins(radius_nm, seeds, times_s):
    xa, d, d0, a = _neck_growth(radius_nm, seeds, times_s)
    assert xa[-1] > 0.3, xa            # the window is covered
    n = _apparent_n(times_s, xa)
    assert 4.5 < n < 8.0, (n, xa)
    # centre distance (sphere fits to the far lobes) unchanged within a lattice constant while
    # x/a < 0.35
    inside = xa < 0.35
    assert np.all(np.abs(d[:, inside] - d0[:, None]) < a), (d, d0)
    return n


def test_neck_growth_by_surface_diffusion_follows_nichols_mullins():
    # 6 nm spheres (73 000 atoms), 3 trajectories averaged: ~15 s
    times = np.geomspace(1e-7, 2e-4, 20)
    _check_nichols_mullins(6.0, seeds=(0, 1, 2), times_s=times)


@pytest.mark.slow
def test_neck_growth_nichols_mullins_full_size():
    # the tang2023 particle radius, 6 trajectories
    times = np.geomspace(3e-7, 2e-3, 24)
    _check_nichols_mullins(7.7, seeds=tuple(range(6)), times_s=times)


def _read(path):
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows]) for k in rows[0]}


def test_demo_preset_reaches_contact_then_fast_then_slow_neck_growth(tmp_path):
    summary = run_kmc(preset("tang2023-demo"), tmp_path / "sim", seed=2023, progress=False)
    d = _read(tmp_path / "sim" / "observables.csv")
    t, r, contact = d["time_s"], d["neck_radius_nm"], d["contact"]
    assert t[-1] == pytest.approx(300.0)
    assert contact[0] == 0 and d["gap_nm"][0] > 0.3          # starts apart (0.7 nm nominal)
    i_c = int(np.argmax(contact == 1))
    t_c = t[i_c]
    assert 0 < t_c <= 60.0                                     # the gap closes within 1 min
    assert np.all(contact[i_c:] == 1)                          # and stays closed
    # fast stage: within 1 min of contact the neck passes 1.0 nm (x/a ~ 0.3)
    fast = (t > t_c) & (t <= t_c + 60.0)
    assert np.nanmax(r[fast]) > 1.0
    rate_fast = np.nanmax(r[fast]) / 60.0
    # slow stage: the neck still grows over the last 150 s, but > 3x slower
    late = t >= 150.0
    rate_late = (np.nanmean(r[late][-10:]) - np.nanmean(r[late][:10])) / (t[late][-1] - t[late][0])
    assert 0 < rate_late < rate_fast / 3, (rate_fast, rate_late)
    # volume: sputtering at the calibrated dose rate removes only a few per cent of the atoms
    assert 0.95 < summary["n_atoms_final"] / summary["n_atoms_initial"] < 1.0
    # the beam acts: knock-on hops and sputtering happen, thermal hops dominate
    f = summary["final"]
    assert f["n_beam"] > 0 and f["n_sputter"] > 0 and f["n_thermal"] > 100 * f["n_beam"]
    # lobes shrink slightly as they feed the neck (Figure 3g)
    assert d["r1_nm"][-1] < d["r1_nm"][0] and d["r2_nm"][-1] < d["r2_nm"][0]


def test_temperature_ramp_is_followed_and_speeds_up_thermal_hops(tmp_path):
    cfg = copy.deepcopy(preset("tang2023-demo"))
    cfg["temperature"].update(program_times_s=[0.0, 40.0], program_temperatures_K=[300.0, 330.0],
                              step_s=5.0)
    cfg["run"].update(until_s=40.0, every_s=5.0)
    run_kmc(cfg, tmp_path / "ramp", seed=1, progress=False)
    d = _read(tmp_path / "ramp" / "observables.csv")
    # each row reports the temperature used during the 5 s step that ended at it (the
    # programme sampled at the step's start; the first row is the initial 300 K)
    np.testing.assert_allclose(d["temperature_K"], [300, 300, 303.75, 307.5, 311.25, 315,
                                                    318.75, 322.5, 326.25])
    # thermal hops per simulated second: Arrhenius with barriers ~0.4-0.6 eV, 300 -> 326 K is
    # a factor exp(E/k (1/300 - 1/326)) ~ 4-10
    rate = np.diff(d["n_thermal"]) / np.diff(d["time_s"])
    assert rate[-1] > 2.5 * rate[0]
