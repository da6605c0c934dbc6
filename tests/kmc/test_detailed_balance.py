"""Detailed balance of the thermal moves on a system small enough to enumerate.

Three atoms (two Cd, one S) on a tiny zinc-blende grid with the support: every state reachable
from the start under the engine's move rules is enumerated independently here, and the fraction
of time the KMC spends in each is compared with its Boltzmann weight exp(-H / k_B T), with
H = -(E_nn x nearest-neighbour pairs + E_nnn x second-neighbour pairs + E_adh x atoms on
adhesion sites).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from kmc_helpers import bond_energy, sample_state_fractions, small_config

from nanosinter.kmc import Simulation
from nanosinter.kmc._lattice import EMPTY, WALL
from nanosinter.units import BOLTZMANN_eV_per_K


def _tiny_sim(seed=0):
    cfg = small_config(
        radii=(0.2, 0.2), gap_nm=0.2, saddle_eV=0.3,
        geometry={"box_nm": [0.9, 0.6, 0.6], "truncation_nm": 0.1,
                  "centers_nm": [[0.22, 0.3, 0.25], [0.68, 0.3, 0.25]]},
        bridge={"enabled": False}, temperature={"temperature_K": 700.0})
    sim = Simulation(cfg, seed=seed)
    return sim, cfg


def _enumerate(start, species, nbr1, nbr2, hop, sup, usable):
    """Reachable states: tuples of site indices in species order (species may repeat)."""
    seen = {start}
    todo = deque([start])
    while todo:
        st = todo.popleft()
        occ = set(st)
        for i, x in enumerate(st):
            attached = sup[x] or any(y in occ for y in nbr1[x] + nbr2[x])
            if not attached:
                continue
            for f in hop[x]:
                if f in occ or f not in usable:
                    continue
                others = occ - {x}
                if not (sup[f] or any(y in others for y in nbr1[f] + nbr2[f])):
                    continue
                new = list(st)
                new[i] = f
                key = _canon(new, species)
                if key not in seen:
                    seen.add(key)
                    todo.append(key)
    return seen


def _canon(sites, species):
    # atoms of the same species are indistinguishable: sort within species
    out = []
    for sp in sorted(set(species)):
        out += sorted(s for s, q in zip(sites, species, strict=True) if q == sp)
    return tuple(out)


def test_time_fractions_follow_boltzmann_weights():
    sim, cfg = _tiny_sim(seed=7)
    occ = sim.occ
    nn_c, nn_a, nnn = sim.offsets
    nc = sim.grid.n_cells
    usable = set(np.flatnonzero(occ != WALL).tolist())
    # start: keep two Cd and one S of the initial atoms, remove the rest
    atoms = np.flatnonzero((occ != EMPTY) & (occ != WALL))
    cd = [x for x in atoms if occ[x] == 1]
    s_ = [x for x in atoms if occ[x] == 3]
    keep_cd = cd[:2]
    keep_s = [x for x in s_ if any(x + d in keep_cd for d in nn_a)][:1] or s_[:1]
    new = np.where(occ == WALL, WALL, EMPTY).astype(np.uint8)
    new[keep_cd] = 1
    new[keep_s] = 3
    sim = _rebuild(cfg, new, seed=7)

    def nbrs(x):
        nn = nn_c if x < nc else nn_a
        return [int(x + d) for d in nn if x + d in usable], \
            [int(x + d) for d in nnn if x + d in usable]

    nbr1, nbr2, hop, sup = {}, {}, {}, {}
    for x in usable:
        a, b = nbrs(x)
        nbr1[x], nbr2[x], hop[x] = a, b, b
        sup[x] = int(sim.sup[x])
    species = [1, 1, 3]
    start = _canon(list(keep_cd) + list(keep_s), species)
    states = sorted(_enumerate(start, species, nbr1, nbr2, hop, sup, usable))
    assert 20 < len(states) < 20000
    kT = BOLTZMANN_eV_per_K * cfg["temperature"]["temperature_K"]
    e1, e2 = cfg["energy"]["bond_nn_eV"], cfg["energy"]["bond_nnn_eV"]
    ea = cfg["support"]["adhesion_eV"]
    w = np.array([math.exp(-bond_energy(s, nbr1, nbr2, sup, e1, e2, ea) / kT) for s in states])
    p_boltz = w / w.sum()
    index = {s: i for i, s in enumerate(states)}

    # sample the state at fixed time intervals (unbiased for time fractions)
    n_samples = 60_000

    def key_of(sim):
        o = sim.occ
        at = np.flatnonzero((o != EMPTY) & (o != WALL))
        return _canon(list(at), [int(o[x]) for x in at])

    p_kmc = sample_state_fractions(sim, key_of, index, n_samples)
    # the states carrying most of the weight agree within sampling error
    top = np.argsort(p_boltz)[::-1][:15]
    err = np.sqrt(p_boltz[top] * (1 - p_boltz[top]) / n_samples) * 6 + 0.01 * p_boltz[top]
    assert np.all(np.abs(p_kmc[top] - p_boltz[top]) < err + 2e-3), (p_kmc[top], p_boltz[top])
    # and the distribution over energy levels (degeneracy x Boltzmann factor)
    h = np.round([bond_energy(s, nbr1, nbr2, sup, e1, e2, ea) for s in states], 9)
    levels, inv = np.unique(h, return_inverse=True)
    pl_kmc = np.bincount(inv, weights=p_kmc)
    pl_boltz = np.bincount(inv, weights=p_boltz)
    assert len(levels) > 5
    assert 0.5 * np.abs(pl_kmc - pl_boltz).sum() < 0.03, (pl_kmc, pl_boltz)


def _rebuild(cfg, occ, seed):
    """A Simulation whose occupancy is replaced by *occ* (classes rebuilt)."""
    sim = Simulation(cfg, seed=seed)
    sim.set_occupancy(occ)
    return sim
