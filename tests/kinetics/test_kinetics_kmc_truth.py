"""The kinetics layer on KMC ground truth whose only mechanism is surface diffusion.

Two touching 6 nm spheres with thermal surface hops only (no support, carbon bridge or beam;
the Nichols-Mullins set-up of tests/kmc/test_sintering.py), three trajectories averaged as
that test does. Lattice spheres touch along a flat facet, so the neck starts at x0/a = 0.21:
the fit must find that finite initial neck (a time offset t0), name surface diffusion, see a
non-densifying neck and exclude vapour transport, and give a free exponent consistent with
PHYSICS.md §3.

Range asserted for the free n: 4.5-7.5. Nichols & Mullins (1965) give an apparent n of
5.5-6.5 for 0.05 <= x/a <= 0.3, rising beyond; the fit window here is x/a = 0.21-0.42. Two
effects of the lattice pull the time-offset fit below that: the facet neck first waits for a
new atomic layer to nucleate at its rim (a flat start then a knee, sharper than the offset law
x^n = x0^n + B t allows), and the neck radius grows in steps. Measured (docs/kinetics.md):
local slope 1/n over t >> t0 gives n = 5.5-6.1, the offset fit 5.2 [4.9, 5.4] on this mean
curve and 4.4-5.9 on single trajectories. The anchored fit (time zero at contact, no offset)
gives n ~ 10, and would fail the range.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kmc"))
from test_sintering import _touching_spheres

from nanosinter.kinetics import (
    analyze_kinetics,
    dimer_table_from_columns,
    fit_dimer_neck_growth,
    read_dimer_table,
)
from nanosinter.kmc import Simulation

N_RANGE = (4.5, 7.5)


@pytest.fixture(scope="module")
def kmc_mean_table(tmp_path_factory):
    times = np.concatenate([[1e-7], np.geomspace(1e-6, 4e-4, 40)])
    frames = []
    for seed in (0, 1, 2):
        sim = Simulation(_touching_spheres(6.0), seed=seed)
        rows = [sim.observables()]
        for t in times:
            sim.advance(max_events=10**15, t_stop=t)
            rows.append(sim.observables())
        frames.append(pd.DataFrame(rows))
    path = tmp_path_factory.mktemp("kmc") / "observables.csv"
    frames[0].to_csv(path, index=False)  # one trajectory through the file reader
    assert len(read_dimer_table(path)) == len(times) + 1
    return dimer_table_from_columns(sum(frames) / len(frames), source="kmc mean of 3")


def test_surface_diffusion_only_kmc_truth_gives_surface_diffusion(kmc_mean_table):
    res = analyze_kinetics(kmc_mean_table, n_boot=200, rng=0, contact_time_s=0.0)
    assert res.verdict.mechanism == "surface_diffusion", res.verdict.reasons
    assert res.verdict.confidence > 0.85
    outcome = {e.key: e.outcome for e in res.evidence}
    assert outcome["neck_curvature"] == "non-densifying"
    assert outcome["densification"] == "non-densifying"
    assert outcome["vapour_transport"] == "too slow"


def test_free_exponent_with_finite_initial_neck_matches_nichols_mullins(kmc_mean_table):
    fit = fit_dimer_neck_growth(kmc_mean_table, n_boot=200, rng=0, contact_time_s=0.0)
    assert fit.time_offset_fitted
    pl = fit.model("power_law")
    n = pl.params["n"]
    lo, hi = pl.intervals["n"]
    assert N_RANGE[0] <= n <= N_RANGE[1], (n, lo, hi)
    # the interval excludes evaporation–condensation (3) and viscous flow (2)
    assert lo > 4.0
    # the fitted neck at contact is the facet contact the lattice starts with (x/a = 0.21)
    assert pl.params["x0_over_a"] == pytest.approx(fit.x_over_a[0], abs=0.01)
    x0_lo, x0_hi = pl.intervals["x0_over_a"]
    assert x0_lo <= pl.params["x0_over_a"] <= x0_hi
    t0_lo, t0_hi = pl.intervals["t0_s"]
    assert 0 < t0_lo <= pl.params["t0_s"] <= t0_hi
    # anchoring the laws at contact instead reads the flat start as very slow growth
    anchored = fit_dimer_neck_growth(kmc_mean_table, n_boot=0, contact_time_s=0.0,
                                     time_offset="none")
    assert anchored.model("power_law").params["n"] > N_RANGE[1]
