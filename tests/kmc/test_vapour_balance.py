"""Evaporation and condensation: detailed balance with an ideal vapour, exact bookkeeping.

Balance: three atoms (two Cd, one S) on a tiny grid in a closed box, with thermal hops,
evaporation and condensation. Every state (lattice configuration, vapour atoms per species)
reachable under the engine's rules is enumerated here independently, and the KMC's time
fractions are compared with the weights exp(-H / k_B T) prod_s Z_s^N_s / N_s!,
Z_s = nu exp(-E_off / k_B T) / k_c,s (nanosinter.kmc._vapour), which is what detailed balance
between k_ev and k_c N_s implies.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from kmc_helpers import bond_energy, check_consistency, sample_state_fractions, small_config

from nanosinter.kmc import Simulation
from nanosinter.kmc import _engine as E
from nanosinter.kmc._lattice import EMPTY, WALL
from nanosinter.units import BOLTZMANN_eV_per_K

E_OFF = 0.35


def _tiny(seed):
    cfg = small_config(
        radii=(0.2, 0.2), gap_nm=0.2, saddle_eV=0.3,
        geometry={"box_nm": [0.9, 0.6, 0.6], "truncation_nm": 0.1,
                  "centers_nm": [[0.22, 0.3, 0.25], [0.68, 0.3, 0.25]]},
        bridge={"enabled": False}, temperature={"temperature_K": 700.0},
        vapour={"enabled": True, "condensation": True, "evaporation_offset_eV": E_OFF})
    sim = Simulation(cfg, seed=seed)
    occ = sim.occ
    nn_a = sim.offsets[1]
    atoms = np.flatnonzero((occ != EMPTY) & (occ != WALL))
    cd = [int(x) for x in atoms if occ[x] == 1][:2]
    s_ = [int(x) for x in atoms if occ[x] == 3]
    keep_s = [x for x in s_ if any(x + d in cd for d in nn_a)][:1] or s_[:1]
    new = np.where(occ == WALL, WALL, EMPTY).astype(np.uint8)
    new[cd] = 1
    new[keep_s] = 3
    sim.set_occupancy(new)
    return sim, cfg, cd, keep_s


def _key(cd_sites, s_sites, nv_cd, nv_s):
    return (tuple(sorted(cd_sites)), tuple(sorted(s_sites)), nv_cd, nv_s)


def _enumerate(start, nbr1, nbr2, sup, usable, nc):
    """Reachable (Cd sites, S sites, Cd in vapour, S in vapour) under hop/evaporation/
    condensation rules written here from the model's definition (docs/kmc.md)."""
    seen = {start}
    todo = deque([start])

    def n_occ(x, occ):
        return sum(1 for y in nbr1[x] if y in occ), sum(1 for y in nbr2[x] if y in occ)

    while todo:
        cd, s_, ncd, ns = todo.popleft()
        occ = set(cd) | set(s_)
        new = []
        for group, x in [(0, x) for x in cd] + [(1, x) for x in s_]:
            a, b = n_occ(x, occ)
            attached = sup[x] or a + b >= 1
            if a + b >= 1 and b < 12:  # evaporation
                rest = [y for y in (cd if group == 0 else s_) if y != x]
                new.append(_key(rest, s_, ncd + 1, ns) if group == 0
                           else _key(cd, rest, ncd, ns + 1))
            if not attached:
                continue
            for f in nbr2[x]:
                if f in occ:
                    continue
                others = occ - {x}
                if not (sup[f] or any(y in others for y in nbr1[f] + nbr2[f])):
                    continue
                moved = [f if y == x else y for y in (cd if group == 0 else s_)]
                new.append(_key(moved, s_, ncd, ns) if group == 0 else _key(cd, moved, ncd, ns))
        for f in usable:  # condensation
            if f in occ:
                continue
            a, b = n_occ(f, occ)
            if a + b < 1 or b >= 12:
                continue
            if f < nc and ncd > 0:
                new.append(_key([*cd, f], s_, ncd - 1, ns))
            if f >= nc and ns > 0:
                new.append(_key(cd, [*s_, f], ncd, ns - 1))
        for k in new:
            if k not in seen:
                seen.add(k)
                todo.append(k)
    return seen


def test_time_fractions_follow_lattice_plus_ideal_vapour_weights():
    sim, cfg, cd, s_ = _tiny(seed=11)
    nc = sim.grid.n_cells
    occ = sim.occ
    nn_c, nn_a, nnn = sim.offsets
    usable = sorted(int(x) for x in np.flatnonzero(occ != WALL))
    us = set(usable)
    nbr1, nbr2, sup = {}, {}, {}
    for x in usable:
        nn = nn_c if x < nc else nn_a
        nbr1[x] = [int(x + d) for d in nn if x + d in us]
        nbr2[x] = [int(x + d) for d in nnn if x + d in us]
        sup[x] = int(sim.sup[x])
    states = sorted(_enumerate(_key(cd, s_, 0, 0), nbr1, nbr2, sup, usable, nc))
    assert 50 < len(states) < 50000
    assert any(k[2] == 2 for k in states) and any(k[3] == 1 for k in states)
    kT = BOLTZMANN_eV_per_K * 700.0
    e1, e2 = cfg["energy"]["bond_nn_eV"], cfg["energy"]["bond_nnn_eV"]
    ea = cfg["support"]["adhesion_eV"]
    nu = cfg["energy"]["attempt_frequency_Hz"]
    z_cd = nu * math.exp(-E_OFF / kT) / sim.kc[0]
    z_s = nu * math.exp(-E_OFF / kT) / sim.kc[2]

    def energy(k):
        return bond_energy(set(k[0]) | set(k[1]), nbr1, nbr2, sup, e1, e2, ea)

    logw = np.array([-energy(k) / kT + k[2] * math.log(z_cd) - math.lgamma(k[2] + 1)
                     + k[3] * math.log(z_s) - math.lgamma(k[3] + 1) for k in states])
    p = np.exp(logw - logw.max())
    p /= p.sum()
    index = {k: i for i, k in enumerate(states)}
    n_samples = 60_000

    def key_of(sim):
        o, nv = sim.occ, sim.n_vapour
        return _key([int(x) for x in np.flatnonzero(o == 1)],
                    [int(x) for x in np.flatnonzero(o == 3)], int(nv[0]), int(nv[2]))

    q = sample_state_fractions(sim, key_of, index, n_samples)
    assert sim.counts["n_evaporated"] > 1000 and sim.counts["n_condensed"] > 1000
    # vapour occupation: marginal over (Cd in vapour, S in vapour)
    for j in (2, 3):
        lv = np.array([k[j] for k in states])
        for n in np.unique(lv):
            pm, qm = p[lv == n].sum(), q[lv == n].sum()
            assert abs(qm - pm) < 6 * math.sqrt(pm * (1 - pm) / n_samples) + 0.01, (j, n, qm, pm)
    top = np.argsort(p)[::-1][:15]
    err = np.sqrt(p[top] * (1 - p[top]) / n_samples) * 6 + 0.01 * p[top]
    assert np.all(np.abs(q[top] - p[top]) < err + 2e-3), (q[top], p[top])
    # and over (energy level, vapour atoms) classes (degeneracy x weight)
    lev = [(round(energy(k), 9), k[2], k[3]) for k in states]
    _, inv = np.unique(np.array(lev), axis=0, return_inverse=True)
    inv = inv.ravel()
    assert inv.max() > 10
    tv = 0.5 * np.abs(np.bincount(inv, weights=q) - np.bincount(inv, weights=p)).sum()
    assert tv < 0.03, tv


def test_atoms_conserved_with_vapour_and_lists_exact():
    """n_atoms + vapour + sputtered = initial, and the condensation-site lists equal a rebuild."""
    cfg = small_config(radii=(1.0, 1.4), gap_nm=0.6, beam=True, sputtering=True,
                       saddle_eV=0.5, temperature={"temperature_K": 700.0},
                       vapour={"enabled": True, "condensation": True,
                               "evaporation_offset_eV": 0.6})
    cfg["beam"]["dose_rate_e_per_A2_s"] = 1e12
    sim = Simulation(cfg, seed=3)
    n0 = sim.n_atoms
    species0 = np.bincount(sim.occ[sim.occ != WALL], minlength=4)[1:4]
    for _ in range(10):
        sim.advance(max_events=sim.events + 3000, t_stop=math.inf)
        c = sim.counts
        assert sim.n_atoms + c["n_vapour"] + c["n_sputter"] == n0
        assert c["n_evaporated"] - c["n_condensed"] == c["n_vapour"]
        check_consistency(sim)
        s = sim.s
        es, elist, ci = s.es.copy(), s.elist.copy(), s.ci.copy()
        E.build_condensation_sites(s.st, es, elist, ci, sim.grid.n_cells)
        nc = sim.grid.n_cells
        for k, base in ((E.C_NE_C, 0), (E.C_NE_A, nc)):
            assert ci[k] == s.ci[k]
            assert set(elist[base:base + ci[k]]) == set(s.elist[base:base + s.ci[k]])
        listed = np.flatnonzero(s.es >= 0)
        assert len(listed) == s.ci[E.C_NE_C] + s.ci[E.C_NE_A]
        assert np.all(s.elist[np.where(listed < nc, 0, nc) + s.es[listed]] == listed)
    assert sim.counts["n_condensed"] > 100 and sim.counts["n_sputter"] > 0
    # without sputtering, species are conserved including the vapour
    cfg["beam"]["sputtering"] = False
    sim = Simulation(cfg, seed=4)
    sim.advance(max_events=30_000, t_stop=math.inf)
    now = np.bincount(sim.occ[sim.occ != WALL], minlength=4)[1:4] + sim.n_vapour
    assert np.array_equal(now, species0)


def test_disabled_vapour_parameters_change_nothing():
    """With ``vapour.enabled = false`` its other keys do not touch the trajectory."""
    base = small_config(radii=(1.0, 1.2), beam=True, sputtering=True)
    a = Simulation(base, seed=5)
    b = Simulation(dict(base, vapour={"enabled": False, "evaporation_offset_eV": 0.1,
                                      "sticking_coefficient": 0.5, "condensation": False}),
                   seed=5)
    for sim in (a, b):
        sim.advance(max_events=20_000, t_stop=math.inf)
    assert np.array_equal(a.s.st, b.s.st) and a.time_s == b.time_s


def _ripening_config():
    cfg = small_config(radii=(0.8, 1.4), gap_nm=1.0, saddle_eV=0.27,
                       temperature={"temperature_K": 553.0},
                       vapour={"enabled": True, "condensation": True,
                               "evaporation_offset_eV": 0.40})
    # times that are exact binary multiples of every_s (run() cuts at k x every_s)
    cfg["run"].update(until_s=20 * 2.0**-20, every_s=2 * 2.0**-20,
                      checkpoint_every_events=30_000, snapshot_every=3)
    return cfg


def test_checkpoint_restores_vapour_state_bit_for_bit(tmp_path):
    cfg = _ripening_config()
    a = Simulation(cfg, seed=9)
    a.advance(max_events=40_000, t_stop=math.inf)
    assert a.counts["n_condensed"] > 50
    a.save_checkpoint(tmp_path / "ck.npz", {"note": 1})
    b = Simulation(cfg, seed=123)
    assert b.load_checkpoint(tmp_path / "ck.npz") == {"note": 1}
    for f in ("st", "cs", "pool", "ci", "rng", "es", "elist", "fs"):
        assert np.array_equal(getattr(a.s, f), getattr(b.s, f)), f
    for sim in (a, b):
        sim.advance(max_events=80_000, t_stop=math.inf)
    for f in ("st", "ci", "rng", "es", "elist"):
        assert np.array_equal(getattr(a.s, f), getattr(b.s, f)), f
    assert a.time_s == b.time_s


def test_resumed_vapour_run_writes_the_uninterrupted_output(tmp_path):
    from nanosinter.kmc import run

    cfg = _ripening_config()
    run(cfg, tmp_path / "a", seed=4, until_s=10 * 2.0**-20)
    run(cfg, tmp_path / "a", resume=True, until_s=20 * 2.0**-20)
    run(cfg, tmp_path / "b", seed=4)
    text = (tmp_path / "a" / "observables.csv").read_text()
    assert text == (tmp_path / "b" / "observables.csv").read_text()
    head, *rows = text.splitlines()
    assert "n_vapour" in head and int(rows[-1].split(",")[-2]) > 0  # n_condensed column
