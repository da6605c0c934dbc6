"""Ostwald ripening through the vapour: the small particle shrinks, the gap persists, r^3 ~ t.

Transport is through a well-mixed vapour (interface-limited exchange). For two particles the
small one loses atoms at dN_s/dt = -J_inf A_s A_L (e^{c/r_s} - e^{c/r_L}) / (A_s + A_L),
c = 2 gamma Omega / k_B T (nanosinter.kmc._vapour; docs/kmc.md). With the lattice's c = 1.82 nm
at 553 K, r^2 (e^{c/r} - e^{c/r_L}) is nearly constant for r = 1-4 nm, so N_s falls at a nearly
constant rate and r_s^3 is linear in time: the LSW form, here from the full Kelvin factor, not
from diffusion. The tests check that law on the later half of the run and the rate against
the formula (no fitted parameter).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from nanosinter.kmc import Simulation, preset, resolve_config
from nanosinter.kmc._vapour import flat_flux_per_nm2_s
from nanosinter.units import BOLTZMANN_eV_per_K


def _config(reduced):
    cfg = copy.deepcopy(preset("ostwald-8-15nm"))
    if reduced:
        cfg["geometry"].update(radii_nm=[2.0, 3.75], gap_nm=3.0, truncation_nm=0.3,
                               margin_nm=1.0, centers_nm=[], box_nm=[])
    return resolve_config(cfg)


def ripen(cfg, *, seed=1, every_s=None):
    """Rows (t, N_small, N_large, gap_nm, contact, n_atoms + n_vapour) until the small particle
    is gone (fewer than 30 atoms left on its side) or the preset's end."""
    sim = Simulation(cfg, seed=seed)
    g = cfg["geometry"]
    c, r = np.asarray(g["centers_nm"]), g["radii_nm"]
    x_mid = 0.5 * (c[0, 0] + r[0] + c[1, 0] - r[1])
    every = every_s or cfg["run"]["every_s"]
    rows = []
    t = 0.0
    while t < cfg["run"]["until_s"]:
        t += every
        sim.advance(max_events=1 << 62, t_stop=t)
        pos, _ = sim.atoms()
        ns = int((pos[:, 0] < x_mid).sum())
        o = sim.observables()
        rows.append((sim.time_s, ns, len(pos) - ns, o["gap_nm"], o["contact"],
                     sim.n_atoms + o["n_vapour"]))
        if ns < 30:
            break
    return sim, np.array(rows)


def _check(sim, rows, cfg):
    n0 = sim.n_atoms_initial
    t, ns, nl, gap, contact, total = rows.T
    assert np.all(total == n0)  # atoms conserved, vapour included
    assert sim.counts["n_condensed"] > 1000
    # the small particle shrinks to (nearly) nothing while the large one grows, without contact
    assert ns[-1] < 0.05 * ns[0] and nl[-1] > nl[0] + 0.9 * (ns[0] - ns[-1]) - 50
    alive = ns > 100
    assert np.all(contact[alive] == 0)
    gap0 = cfg["geometry"]["gap_nm"]
    a = cfg["geometry"]["lattice_constant_nm"]
    assert np.all(gap[alive] > gap0 - a)
    # r_s^3 linear in time over the later half of the small particle's life
    omega = sim.lattice.atomic_volume_nm3
    r3 = 3 * ns * omega / (4 * math.pi)
    te = t[alive]
    late = alive & (t >= te[-1] / 2)
    A = np.vstack([t[late], np.ones(late.sum())]).T
    _, res, *_ = np.linalg.lstsq(A, r3[late], rcond=None)
    r2_fit = 1 - res[0] / ((r3[late] - r3[late].mean()) ** 2).sum()
    assert late.sum() >= 5 and r2_fit > 0.99, r2_fit
    # rate against the interface-limited formula at the start (no fitted parameter)
    kT = BOLTZMANN_eV_per_K * cfg["temperature"]["temperature_K"]
    lc = sim.lattice
    cc = 2 * lc.surface_energy_eV_per_nm2 * omega / kT
    rs, rl = np.cbrt(3 * np.array([ns[0], nl[0]]) * omega / (4 * math.pi))
    As, Al = 4 * math.pi * rs**2, 4 * math.pi * rl**2
    j = flat_flux_per_nm2_s(temperature_K=cfg["temperature"]["temperature_K"], lc=lc,
                            evaporation_offset_eV=cfg["vapour"]["evaporation_offset_eV"],
                            attempt_frequency_Hz=cfg["energy"]["attempt_frequency_Hz"])
    pred = j * As * Al / (As + Al) * (math.exp(cc / rs) - math.exp(cc / rl))
    sim_rate = -np.polyfit(t[alive], ns[alive], 1)[0]
    assert 1 / 3 < sim_rate / pred < 3, (sim_rate, pred)
    return r2_fit, sim_rate / pred


def test_reduced_ostwald_small_particle_dissolves_through_vapour():
    """4 and 7.5 nm particles 3 nm apart (half the preset's size)."""
    cfg = _config(reduced=True)
    sim, rows = ripen(cfg, every_s=5e-6)
    _check(sim, rows, cfg)


@pytest.mark.slow
def test_ostwald_preset():
    """The preset: 8 and 15 nm particles 6 nm apart, 82 000 atoms, ~1-2 min."""
    cfg = _config(reduced=False)
    sim, rows = ripen(cfg)
    _check(sim, rows, cfg)
