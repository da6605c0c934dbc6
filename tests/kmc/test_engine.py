"""Engine invariants: conservation, bookkeeping, lattice geometry, determinism of the stream."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kmc_helpers import check_consistency, small_config

from nanosinter.kmc import Simulation
from nanosinter.kmc import _engine as E
from nanosinter.kmc._lattice import Grid


def test_neighbour_shells_have_zinc_blende_distances():
    a = 0.5818
    g = Grid(shape=(8, 8, 8), lattice_constant_nm=a)
    nn_c, nn_a, nnn = g.offsets()
    x = ((0 * 8 + 4) * 8 + 4) * 8 + 4          # cation at (4, 4, 4)
    p = g.positions_nm(np.array([x]))[0]
    d_nn = np.linalg.norm(g.positions_nm(x + nn_c) - p, axis=1)
    d_nnn = np.linalg.norm(g.positions_nm(x + nnn) - p, axis=1)
    np.testing.assert_allclose(d_nn, math.sqrt(3) * a / 4, rtol=1e-12)
    np.testing.assert_allclose(d_nnn, a / math.sqrt(2), rtol=1e-12)
    y = x + nn_c[1]                             # an anion: its NN must lead back to cations
    back = g.positions_nm(y + nn_a)
    q = g.positions_nm(np.array([y]))[0]
    np.testing.assert_allclose(np.linalg.norm(back - q, axis=1), math.sqrt(3) * a / 4)
    assert x in set((y + nn_a).tolist())


def test_particle_atom_count_matches_zinc_blende_density():
    cfg = small_config(radii=(2.0, 2.0), gap_nm=1.0)
    sim = Simulation(cfg, seed=0)
    a = cfg["geometry"]["lattice_constant_nm"]
    r, t = 2.0, cfg["geometry"]["truncation_nm"]
    # a sphere cut by the support a distance t below its bottom: cap of height t removed
    cap = math.pi * t**2 * (3 * r - t) / 3
    expected = 2 * (4 / 3 * math.pi * r**3 - cap) * 8 / a**3
    assert sim.n_atoms == pytest.approx(expected, rel=0.05)
    pos, sp = sim.atoms()
    assert pos[:, 2].min() > 0                 # nothing below the support
    # cations and anions in equal number to within the surface excess
    n_cd = int((sp == 0).sum())
    assert abs(2 * n_cd - sim.n_atoms) < 0.1 * sim.n_atoms


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(r1=st.floats(0.8, 1.4), r2=st.floats(0.8, 1.4), gap=st.floats(0.0, 0.8),
       seed=st.integers(0, 2**31), beam=st.booleans())
def test_atom_count_conserved_without_sputtering(r1, r2, gap, seed, beam):
    cfg = small_config(radii=(r1, r2), gap_nm=gap, beam=beam, sputtering=False)
    sim = Simulation(cfg, seed=seed)
    n0 = sim.n_atoms
    species0 = np.bincount(sim.atoms()[1], minlength=3)
    sim.advance(max_events=20_000, t_stop=math.inf)
    occ = sim.occ
    assert sim.events == 20_000
    assert int(((occ != 0) & (occ != 255)).sum()) == n0 == sim.n_atoms
    np.testing.assert_array_equal(np.bincount(sim.atoms()[1], minlength=3), species0)
    check_consistency(sim)


def test_sputtering_removes_atoms_and_bookkeeping_stays_exact():
    cfg = small_config(beam=True, sputtering=True)
    cfg["beam"]["dose_rate_e_per_A2_s"] = 1e5
    cfg["energy"]["saddle_eV"] = 0.6
    sim = Simulation(cfg, seed=3)
    n0 = sim.n_atoms
    sim.advance(max_events=5_000, t_stop=math.inf)
    c = sim.counts
    assert c["n_sputter"] > 0 and c["n_beam"] > 0
    assert sim.n_atoms == n0 - c["n_sputter"]
    assert c["n_thermal"] + c["n_beam"] + c["n_sputter"] == sim.events
    check_consistency(sim)


def test_same_seed_same_trajectory_and_time_stop_is_exact():
    cfg = small_config()
    a = Simulation(cfg, seed=11)
    b = Simulation(cfg, seed=11)
    c = Simulation(cfg, seed=12)
    for s in (a, b, c):
        s.advance(max_events=30_000, t_stop=math.inf)
    assert np.array_equal(a.s.st, b.s.st) and a.time_s == b.time_s
    assert not np.array_equal(a.s.st, c.s.st)
    stop = a.advance(max_events=10**9, t_stop=a.time_s * 1.5)
    assert stop == E.STOP_TIME and a.time_s == pytest.approx(b.time_s * 1.5, rel=1e-15)


def test_mean_waiting_time_is_inverse_total_rate():
    """In a frozen-rate setting (an isolated adatom pair) dt averages 1/R."""
    cfg = small_config()
    sim = Simulation(cfg, seed=5)
    R = sim.total_rate_per_s
    t0 = sim.time_s
    sim.advance(max_events=1, t_stop=math.inf)
    dt1 = sim.time_s - t0
    assert 0 < dt1 < 50 / R
    rng = sim.s.rng.copy()
    u = [E.uniform(rng) for _ in range(20000)]
    assert np.mean(u) == pytest.approx(0.5, abs=0.01)
    assert np.var(u) == pytest.approx(1 / 12, abs=0.003)


def test_class_lists_survive_pool_compaction():
    """A pool just big enough forces relocations and compactions; bookkeeping stays exact."""
    cfg = small_config(radii=(1.2, 1.2), beam=True, sputtering=True)
    cfg["beam"]["dose_rate_e_per_A2_s"] = 1e4
    sim = Simulation(cfg, seed=21)
    s = sim.s
    listed = int(s.ccount.sum())
    s.pool = np.zeros(2 * listed + 400, np.int32)
    sim._build_classes()                 # rebuild the lists in the small pool
    tops = []
    for _ in range(40):
        sim.advance(max_events=sim.events + 2_000, t_stop=math.inf)
        tops.append(int(s.ci[E.C_POOLTOP]))
    assert min(np.diff(tops)) < 0        # a compaction happened
    check_consistency(sim)
    assert sim.n_atoms == sim.n_atoms_initial - sim.counts["n_sputter"]


def test_memory_per_lattice_site_of_the_dimer_preset():
    from nanosinter.kmc import preset

    sim = Simulation(preset("tang2023-dimer"), seed=0)
    assert sim.n_lattice_sites > 4e5 and sim.n_atoms > 1.5e5
    assert sim.memory_bytes() / sim.n_lattice_sites < 100
