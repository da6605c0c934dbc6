"""Small configurations and consistency checks shared by the KMC tests."""

from __future__ import annotations

import copy

import numpy as np

from nanosinter.kmc import _engine as E
from nanosinter.kmc import preset, resolve_config


def small_config(*, radii=(1.2, 1.2), gap_nm=0.4, beam=False, sputtering=False,
                 saddle_eV=0.0, until_s=1.0, every_s=0.1, **sections):
    """A two-particle configuration of a few hundred atoms, fast enough for unit tests."""
    cfg = copy.deepcopy(preset("tang2023-demo"))
    g = cfg["geometry"]
    g.update(radii_nm=list(radii), core_radii_nm=[r / 2 for r in radii], gap_nm=gap_nm,
             centers_nm=[], box_nm=[], margin_nm=0.8, truncation_nm=0.3)
    cfg["beam"].update(enabled=beam, sputtering=sputtering)
    cfg["energy"]["saddle_eV"] = saddle_eV
    cfg["run"].update(until_s=until_s, every_s=every_s, checkpoint_every_events=100_000)
    for sec, vals in sections.items():
        cfg[sec].update(vals)
    return resolve_config(cfg)


def check_consistency(sim) -> None:
    """Incrementally maintained counts, class lists and rate sums equal a fresh computation."""
    s = sim.s
    occ, _, _ = sim.site_arrays()
    nn_c, nn_a, nnn = sim.offsets
    fresh = E.pack_state(occ, sim.sup, nn_c, nn_a, nnn, sim.grid.n_cells)
    assert np.array_equal(fresh, s.st)
    occupied = (occ != 255) & (occ != 0)
    for x in np.flatnonzero(occupied):
        c = sim.ctab[s.st[x] & 0x3FF]
        v = s.cs[x]
        assert (v & E.CLASS_MASK if v >= 0 else -1) == c
        if c >= 0:
            assert s.pool[s.cstart[c] + (v >> E.CLASS_BITS)] == x
    assert np.all(s.cs[~occupied] == -1)
    listed = int((s.cs >= 0).sum())
    assert listed == int(s.ccount.sum())
    total = float((s.ccount * sim.crate).sum())
    # incremental sums drift by round-off between exact re-summations (every 65536 attempts)
    assert np.isclose(s.fs[E.F_TOTAL], total, rtol=1e-6, atol=1e-12)


def sample_state_fractions(sim, key_of, index: dict, n_samples: int) -> np.ndarray:
    """Fraction of clock time spent in each enumerated state, sampled at fixed time steps.

    Sampling at fixed intervals of the KMC clock (60 mean event times apart) is unbiased for
    time fractions; ``key_of(sim)`` names the current state, ``index`` maps it to a row.
    """
    dt = 60.0 / sim.total_rate_per_s
    counts = np.zeros(len(index))
    for _ in range(n_samples):
        sim.advance(max_events=10**12, t_stop=sim.time_s + dt)
        counts[index[key_of(sim)]] += 1
    return counts / counts.sum()


def bond_energy(sites, nbr1, nbr2, sup, e1, e2, ea) -> float:
    """Energy of occupied *sites* in the engine's bond-counting model (eV): -e1 per nearest-
    and -e2 per second-neighbour pair, -ea per site on the support (``sup[x]`` bonds)."""
    sites = set(sites)
    h = 0.0
    for x in sites:
        h -= 0.5 * e1 * sum(1 for y in nbr1[x] if y in sites)
        h -= 0.5 * e2 * sum(1 for y in nbr2[x] if y in sites)
        h -= ea * sup[x]
    return h
