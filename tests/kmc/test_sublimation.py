"""Sublimation: evaporation into vacuum against Hertz-Knudsen + Kelvin, and the anneal preset.

The prediction (nanosinter.kmc._vapour.hk_kelvin_rate_per_s) uses only the lattice's own
parameters: E_kink = 2 E_nn + 6 E_nnn, the orientation-averaged broken-bond surface energy and
condensation-site density, Omega = a^3 / 8; nothing is fitted to the simulation. The simulated
rate is the number of evaporation events over the simulated time of a window, after the
digitised sphere's surface has relaxed (nanosinter.kmc._sublimation).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from nanosinter.kmc import Simulation, preset, resolve_config
from nanosinter.kmc._sublimation import sublimation_rates


def simulated_and_predicted_rate(radius_nm, **kw):
    d = sublimation_rates(radius_nm, **kw)
    return d["simulated_per_s"], d["predicted_per_s"], d["n_atoms"]


def test_small_spheres_follow_hertz_knudsen_kelvin():
    """1 and 2.5 nm: the simulated evaporation rate is within a factor of 2 of HK + Kelvin."""
    out = [simulated_and_predicted_rate(r) for r in (1.0, 2.5)]
    for rate, pred, n in out:
        assert 0.5 < rate / pred < 2.0, (n, rate, pred)
    # the rate per atom falls with size (more than the r^-1 of the area alone: Kelvin)
    (ra, _, na), (rb, _, nb) = out
    assert ra / na > (nb / na) ** (1 / 3) * rb / nb


@pytest.mark.slow
def test_hertz_knudsen_kelvin_over_a_decade_of_radius():
    """1-10 nm (170 000 atoms at 10 nm): within a factor of 2 at every radius."""
    for r in (1.0, 2.0, 4.0, 7.0, 10.0):
        rate, pred, n = simulated_and_predicted_rate(r, window=0.02 if r > 5 else 0.04)
        assert 0.5 < rate / pred < 2.0, (r, n, rate, pred)


def _anneal(radius_nm=None):
    cfg = copy.deepcopy(preset("tang2023-anneal"))
    if radius_nm is not None:
        cfg["geometry"].update(radii_nm=[radius_nm] * 2, core_radii_nm=[radius_nm / 3] * 2,
                               margin_nm=1.0, truncation_nm=0.3, centers_nm=[], box_nm=[])
    return resolve_config(cfg)


def test_reduced_anneal_sublimes_the_dimer():
    """Two touching 5 nm particles under the anneal programme: stable at 300 K, nearly gone
    at 553 K within the preset's time."""
    cfg = _anneal(2.5)
    from nanosinter.kmc._config import temperature_at

    sim = Simulation(cfg, seed=2023)
    n0 = sim.n_atoms
    t_end = cfg["run"]["until_s"]
    step = cfg["temperature"]["step_s"]
    hold_end = cfg["temperature"]["program_times_s"][1]
    n_hold = None
    while sim.time_s < t_end * (1 - 1e-12):
        sim.set_temperature(temperature_at(cfg, sim.time_s))
        t_next = min(t_end, (math.floor(sim.time_s / step + 1e-9) + 1) * step)
        sim.advance(max_events=1 << 62, t_stop=t_next)
        if n_hold is None and sim.time_s >= hold_end * (1 - 1e-12):
            n_hold = sim.n_atoms
    assert n_hold == n0  # nothing evaporates during the room-temperature hold
    assert sim.temperature_K == pytest.approx(553.0)
    assert sim.n_atoms < 0.2 * n0
    c = sim.counts
    assert sim.n_atoms + c["n_vapour"] + c["n_sputter"] == n0
    assert c["n_condensed"] == 0 and c["n_evaporated"] == c["n_vapour"]


@pytest.mark.slow
def test_tang2023_anneal_preset_ends_nearly_gone(tmp_path):
    """The full preset (two 15.4 nm particles, 154 000 atoms): < 20 % of the atoms left."""
    from nanosinter.kmc import run

    summary = run(preset("tang2023-anneal"), tmp_path / "anneal", seed=2023)
    assert summary["n_atoms_final"] < 0.2 * summary["n_atoms_initial"]
    rows = np.genfromtxt(tmp_path / "anneal" / "observables.csv", delimiter=",", names=True)
    assert rows["temperature_K"][-1] == pytest.approx(553.0)
    assert np.all(rows["n_atoms"] + rows["n_vapour"] + rows["n_sputter"]
                  == summary["n_atoms_initial"])


def test_programme_steps_of_1e5_s_always_advance():
    """k x step / step can round below k (27 x 1e-5): every step boundary must still lie
    after the current time, or a run cut at it would stop forever."""
    from nanosinter.kmc._config import temperature_at, temperature_breaks

    cfg = preset("tang2023-anneal")
    t, n = 0.0, 0
    while True:
        b = temperature_breaks(cfg, t, cfg["run"]["until_s"])
        if not b:
            break
        assert b[0] > t
        assert temperature_at(cfg, b[0]) == temperature_at(cfg, b[0] * (1 + 1e-12))
        t, n = b[0], n + 1
    assert n == round(cfg["run"]["until_s"] / cfg["temperature"]["step_s"]) - 1
    assert temperature_at(cfg, 27 * 1e-5) == pytest.approx(300 + 253 * 0.7)
