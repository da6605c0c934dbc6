"""Particle migration and coalescence: conservation, MSD = 4 D t, the D(r) law, merges, resume."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kmc_helpers import check_consistency, small_config

from nanosinter.errors import ConfigError
from nanosinter.kmc import Simulation, preset, resolve_config, run
from nanosinter.kmc._migration import (
    body_radius_nm,
    diffusion_coefficient_nm2_per_s,
    step_length_nm,
)

# thermal hops frozen (1e13 exp(-3 eV / kT) ~ 1e-37 per second at 300 K), beam off: only the
# rigid-body moves change the state
FROZEN = {"energy": {"saddle_eV": 3.0}, "beam": {"enabled": False}}


def _single(radius_nm: float, half_width_nm: float, prefactor: float, **sections) -> dict:
    """One particle in the middle of a square box, migration on, atoms frozen."""
    cfg = copy.deepcopy(preset("tang2023-demo"))
    side = 2 * half_width_nm
    z = radius_nm - 0.3
    cfg["geometry"].update(radii_nm=[radius_nm], core_radii_nm=[radius_nm / 2],
                           centers_nm=[[half_width_nm, half_width_nm, z]],
                           box_nm=[side, side, z + radius_nm + 0.8], truncation_nm=0.3)
    cfg["bridge"]["enabled"] = False
    cfg["migration"].update(enabled=True, prefactor_nm2_per_s=prefactor)
    for sec, vals in {**copy.deepcopy(FROZEN), **sections}.items():
        cfg[sec].update(vals)
    return resolve_config(cfg)


def _species_counts(sim) -> np.ndarray:
    return np.bincount(sim.occ[sim.occ != 255], minlength=4)[1:4]


def _law_D(sim) -> float:
    m = sim.config["migration"]
    r = body_radius_nm(sim.n_atoms, sim.grid.lattice_constant_nm)
    return float(diffusion_coefficient_nm2_per_s(
        r, prefactor_nm2_per_s=m["prefactor_nm2_per_s"],
        reference_radius_nm=m["reference_radius_nm"], exponent=m["exponent"]))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(r1=st.floats(0.9, 1.4), r2=st.floats(0.9, 1.4), gap=st.floats(0.5, 1.5),
       seed=st.integers(0, 2**31), thermal=st.booleans())
def test_atoms_conserved_and_engine_consistent_under_rigid_moves(r1, r2, gap, seed, thermal):
    extra = {} if thermal else {"energy": {"saddle_eV": 3.0}}  # small_config: beam off
    cfg = small_config(radii=(r1, r2), gap_nm=gap, saddle_eV=0.3, until_s=1.0,
                       bridge={"enabled": False},
                       migration={"enabled": True, "prefactor_nm2_per_s": 50.0,
                                  "min_atoms": 20}, **copy.deepcopy(extra))
    sim = Simulation(cfg, seed=seed)
    counts0 = _species_counts(sim)
    t = 0.0
    for _ in range(4):
        t += 0.5
        sim.advance(max_events=sim.events + 200_000, t_stop=t)
        assert np.array_equal(_species_counts(sim), counts0)
        assert sim.n_atoms == counts0.sum()
        check_consistency(sim)
        occ = sim.occ
        assert np.all((occ[sim.migration.anchors] != 0) & (occ[sim.migration.anchors] != 255))
    assert sim.migration.counts["moves"] > 0


def test_msd_of_an_isolated_particle_grows_as_4Dt():
    """600 walks of T each from the same start: <|dr|^2>(t) at t = T/4 .. T against 4 D t.

    |dr|^2 of one walk has a relative spread of ~1.2 (measured over 2400 walks, whose mean was
    0.97 +- 0.02 of 4 D T), so the mean of 600 has a standard error of ~5 %; the slope is
    required within 15 % (3 sigma) and each point within 25 %.
    """
    sim = Simulation(_single(1.2, 6.0, prefactor=1.0), seed=11)
    D = _law_D(sim)
    T = (1.5**2) / (4 * D)  # RMS displacement 1.5 nm, ~13 moves, walls 4.3 nm away
    occ0, anchors0 = sim.occ.copy(), sim.migration.anchors.copy()
    p0 = sim.grid.positions_nm(anchors0)[0]
    fracs = np.array([0.25, 0.5, 0.75, 1.0])
    sq = np.zeros((600, fracs.size))
    for w in range(600):
        t0 = sim.time_s
        for k, f in enumerate(fracs):
            sim.advance(max_events=1 << 60, t_stop=t0 + f * T)
            p = sim.grid.positions_nm(sim.migration.anchors)[0]
            assert p[2] == pytest.approx(p0[2])  # in the support plane
            sq[w, k] = ((p - p0)[:2] ** 2).sum()
        sim.set_occupancy(occ0)  # the same start again (the walk is Markov)
        sim.migration.anchors[:] = anchors0
    assert sim.migration.counts["blocked"] == 0  # no wall was reached
    msd = sq.mean(axis=0)
    expected = 4 * D * fracs * T
    slope = float((msd * fracs * T).sum() / ((fracs * T) ** 2).sum())
    assert slope / (4 * D) == pytest.approx(1.0, abs=0.15)
    np.testing.assert_allclose(msd / expected, 1.0, atol=0.25)


def test_diffusion_coefficient_follows_the_r_minus_4_law():
    """Move attempts per time give D = n l^2 / (4 t) (the MSD per attempt is l^2, above);
    ~800 attempts per radius, independent seeds (3.5 % Poisson error): each within 12 % of the
    law, fitted exponent within 0.3 of 4 over radii 1.0-2.2 nm (volume-equivalent radii of the
    lattice particles)."""
    radii, ds = [], []
    for seed, r in enumerate((1.0, 1.5, 2.2)):
        sim = Simulation(_single(r, r + 4.0, prefactor=1.0), seed=30 + seed)
        D = _law_D(sim)
        l2 = step_length_nm(sim.grid.lattice_constant_nm) ** 2
        t_end = 800 * l2 / (4 * D)
        sim.advance(max_events=1 << 60, t_stop=t_end)
        c = sim.migration.counts
        n = c["moves"] + c["blocked"]
        assert c["bound_exceeded"] == 0
        d_hat = n * l2 / (4 * t_end)
        assert d_hat / D == pytest.approx(1.0, abs=0.12), r
        radii.append(body_radius_nm(sim.n_atoms, sim.grid.lattice_constant_nm))
        ds.append(d_hat)
    slope = np.polyfit(np.log(radii), np.log(ds), 1)[0]
    assert slope == pytest.approx(-4.0, abs=0.3)


def test_two_particles_meet_merge_and_sinter():
    """Two 1.5 nm particles 1.2 nm apart (relative MSD 8 D t = 16 nm^2 in the run): they meet,
    become one body, and the neck then grows by surface diffusion; atoms are conserved."""
    cfg = small_config(radii=(1.5, 1.5), gap_nm=1.2, saddle_eV=0.27, until_s=20.0,
                       bridge={"enabled": False},
                       migration={"enabled": True, "prefactor_nm2_per_s": 5.0})
    cfg["geometry"].update(box_nm=[], margin_nm=3.0, centers_nm=[])
    cfg = resolve_config(cfg)
    sim = Simulation(cfg, seed=4)
    n0 = sim.n_atoms
    rows = []
    for k in range(1, 41):
        sim.advance(max_events=1 << 60, t_stop=0.5 * k)
        rows.append(sim.observables())
    assert rows[0]["n_bodies"] == 2
    merged = [i for i, r in enumerate(rows) if r["n_bodies"] == 1]
    assert merged, "the particles never met"
    i = merged[0]
    assert all(r["n_bodies"] == 1 for r in rows[i:])  # a merge is not undone
    assert rows[-1]["contact"] == 1 and sim.n_atoms == n0
    assert rows[-1]["neck_radius_nm"] > rows[i]["neck_radius_nm"] + 0.2


def test_checkpoint_resume_with_migration_and_carbon(tmp_path):
    cfg = small_config(radii=(1.3, 1.3), gap_nm=1.0, saddle_eV=0.27, until_s=6.0, every_s=0.5,
                       bridge={"enabled": False},
                       migration={"enabled": True, "prefactor_nm2_per_s": 5.0},
                       carbon={"enabled": True, "growth_time_s": 2.0, "step_s": 0.25})
    cfg["run"]["checkpoint_every_events"] = 7_000
    full = run(cfg, tmp_path / "full", seed=9)
    half = cfg | {"run": cfg["run"] | {"until_s": 3.0}}
    run(half, tmp_path / "part", seed=9)
    run(None, tmp_path / "part", resume=True, until_s=6.0)
    for name in ("observables.csv", "particles.csv"):
        assert (tmp_path / "part" / name).read_text() == (tmp_path / "full" / name).read_text()
    assert full["final"]["n_migrations"] > 0


def test_bad_migration_config_names_the_key():
    cfg = copy.deepcopy(preset("migration"))
    cfg["migration"]["exponent"] = -1.0
    with pytest.raises(ConfigError, match=r"migration\.exponent"):
        resolve_config(cfg)
    cfg["migration"].update(exponent=4.0, min_atoms=2.5)
    with pytest.raises(ConfigError, match=r"migration\.min_atoms"):
        resolve_config(cfg)


@pytest.mark.slow
def test_migration_preset_particles_merge(tmp_path):
    """The migration preset (seed 2023, 300 s): five bodies become fewer; before a particle's
    first merge its anchor moves in the support plane only; mass is conserved up to sputtering."""
    s = run(preset("migration"), tmp_path / "mig", seed=2023)
    import pandas as pd

    obs = pd.read_csv(tmp_path / "mig" / "observables.csv")
    parts = pd.read_csv(tmp_path / "mig" / "particles.csv")
    assert obs["n_bodies"].iloc[0] == 5
    assert obs["n_bodies"].iloc[-1] < 5
    assert np.all(np.diff(obs["n_bodies"]) <= 0)
    assert s["n_atoms_final"] + s["final"]["n_sputter"] == s["n_atoms_initial"]
    for _, tr in parts.groupby("track_id"):
        assert tr["z_nm"].nunique() == 1
    assert math.isfinite(obs["n_migrations"].iloc[-1]) and obs["n_migrations"].iloc[-1] > 50


def test_checkpoint_mid_step_restores_migration_and_shell(tmp_path):
    """A checkpoint taken at an event count inside a carbon step and between migration
    candidates, loaded into a fresh Simulation, continues bit for bit."""
    cfg = small_config(radii=(1.3, 1.3), gap_nm=1.0, saddle_eV=0.27, until_s=4.0,
                       bridge={"enabled": False},
                       migration={"enabled": True, "prefactor_nm2_per_s": 5.0},
                       carbon={"enabled": True, "growth_time_s": 1.0, "step_s": 0.25})
    a = Simulation(cfg, seed=21)
    a.advance(max_events=5_000, t_stop=4.0)
    assert 0 < a.time_s < 4.0 and a.migration.counts["candidates"] > 0
    a.save_checkpoint(tmp_path / "ck.npz", {})
    b = Simulation(cfg, seed=21)
    b.load_checkpoint(tmp_path / "ck.npz")
    for sim in (a, b):
        sim.advance(max_events=1 << 60, t_stop=4.0)
    assert a.time_s == b.time_s == 4.0 and a.events == b.events
    np.testing.assert_array_equal(a.s.st, b.s.st)
    np.testing.assert_array_equal(a.migration.anchors, b.migration.anchors)
    assert a.migration.counts == b.migration.counts and a.migration.counts["moves"] > 0
