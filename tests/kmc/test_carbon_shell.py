"""The carbon shell: coverage and thickness, the mobility factor on the rates, slower necks."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from kmc_helpers import small_config

from nanosinter.kmc import Simulation, preset, resolve_config
from nanosinter.kmc import _engine as E


def test_coverage_thickness_and_rates_follow_the_shell():
    cfg = small_config(beam=True, sputtering=True, saddle_eV=0.3,
                       carbon={"enabled": True, "growth_time_s": 0.4, "thickness_nm": 1.5,
                               "covered_mobility": 0.2, "step_s": 0.1})
    bare = Simulation(small_config(beam=True, sputtering=True, saddle_eV=0.3), seed=1)
    sim = Simulation(cfg, seed=1)
    for t in (0.25, 0.55, 1.0):
        sim.advance(max_events=1 << 60, t_stop=t)
        row = sim.observables()
        theta = 1 - math.exp(-t / 0.4)
        assert row["carbon_coverage"] == pytest.approx(theta, rel=1e-12)
        assert row["carbon_shell_nm"] == pytest.approx(1.5 * theta, rel=1e-12)
        assert sim.snapshot().carbon_shell_nm == pytest.approx(1.5 * theta, rel=1e-12)
    # rates during the step that starts at 1.0 s: theta at its midpoint 1.05 s
    sim.advance(max_events=sim.events + 1, t_stop=1.01)
    m = 1 - (1 - math.exp(-1.05 / 0.4)) * (1 - 0.2)
    for col in (E.P_THERMAL, E.P_BEAM):
        np.testing.assert_allclose(sim.cpart[:, col], m * bare.cpart[:, col], rtol=1e-12)
    np.testing.assert_array_equal(sim.cpart[:, E.P_SPUTTER], bare.cpart[:, E.P_SPUTTER])
    assert bare.cpart[:, E.P_SPUTTER].max() > 0
    # total rate re-summed with the new rates
    assert sim.total_rate_per_s == pytest.approx(float((sim.s.ccount * sim.crate).sum()),
                                                 rel=1e-9)
    # shell off: NaN columns, no thickness in the snapshot (the renderer keeps its default)
    row = bare.observables()
    assert math.isnan(row["carbon_coverage"]) and bare.snapshot().carbon_shell_nm is None


def test_carbon_shell_slows_neck_growth():
    """tang2023-demo, 60 s, seeds 1 and 2, shell growing in 5 s to a surface 20x slower:
    the atom dynamics runs on the clock integral of m(t) ~ 8 s instead of 60 s, so the neck
    is smaller (measured 1.1-1.2 nm against 1.4-1.5 nm without the shell)."""
    necks = {False: [], True: []}
    for seed in (1, 2):
        for on in (False, True):
            cfg = copy.deepcopy(preset("tang2023-demo"))
            cfg["carbon"].update(enabled=on, growth_time_s=5.0, covered_mobility=0.05)
            sim = Simulation(resolve_config(cfg), seed=seed)
            sim.advance(max_events=1 << 60, t_stop=60.0)
            necks[on].append(sim.observables()["neck_radius_nm"])
    assert all(r > 0 for r in necks[True])  # contact was made in both cases
    assert np.mean(necks[True]) < np.mean(necks[False]) - 0.15
    assert max(necks[True]) < min(necks[False])


def test_carbon_shell_switches_on_for_the_tang2023_dimer():
    """``[carbon] enabled = true`` on top of tang2023-dimer: coverage and thickness are
    recorded and the hop rates carry the shell's factor (1 s, theta at 0.5 s for the 1st step)."""
    cfg = copy.deepcopy(preset("tang2023-dimer"))
    cfg["carbon"]["enabled"] = True
    sim = Simulation(resolve_config(cfg), seed=3)
    bare_thermal = sim.cpart[:, E.P_THERMAL] / sim._mobility
    sim.advance(max_events=200_000, t_stop=1.0)
    theta = 1 - math.exp(-0.5 / 60.0)
    assert sim._mobility == pytest.approx(1 - 0.9 * theta, rel=1e-12)
    np.testing.assert_allclose(sim.cpart[:, E.P_THERMAL], bare_thermal * (1 - 0.9 * theta),
                               rtol=1e-12)
    row = sim.observables()
    assert row["carbon_shell_nm"] == pytest.approx(
        1.0 * (1 - math.exp(-sim.time_s / 60.0)), rel=1e-12)


def test_hand_driven_simulation_follows_the_temperature_programme():
    # Simulation.advance (not only kmc.run) steps the temperature programme: the rates during
    # each step are those at the programme's temperature at the step's start
    cfg = small_config(beam=True, sputtering=True, saddle_eV=0.3)
    cfg["temperature"].update(program_times_s=[0.0, 1.0], program_temperatures_K=[300.0, 400.0],
                              step_s=0.25)
    sim = Simulation(cfg, seed=1)
    ref = {T: Simulation(small_config(beam=True, sputtering=True, saddle_eV=0.3,
                                      temperature={"temperature_K": T}), seed=1)
           for T in (350.0, 400.0)}
    assert sim.temperature_K == 300.0
    sim.advance(max_events=1 << 60, t_stop=0.6)   # crosses the steps at 0.25 and 0.5 s
    assert sim.temperature_K == pytest.approx(350.0)
    np.testing.assert_allclose(sim.cpart[:, E.P_THERMAL], ref[350.0].cpart[:, E.P_THERMAL],
                               rtol=1e-12)
    sim.advance(max_events=1 << 60, t_stop=2.0)   # past the programme's end: held at 400 K
    assert sim.temperature_K == pytest.approx(400.0)
    np.testing.assert_allclose(sim.cpart[:, E.P_THERMAL], ref[400.0].cpart[:, E.P_THERMAL],
                               rtol=1e-12)
    # a set_temperature by hand is overridden at the next step of the programme
    sim.set_temperature(310.0)
    sim.advance(max_events=1 << 60, t_stop=2.3)
    assert sim.temperature_K == pytest.approx(400.0)
