"""The mechanism verdict on KMC ground truth whose only mechanism is surface diffusion.

Two touching 6 nm spheres with thermal surface hops only (no support, carbon bridge or beam;
the Nichols-Mullins set-up of tests/kmc/test_sintering.py): the kinetics layer must name
surface diffusion, see a non-densifying neck (rho ~ x^2/2a, centres still) and exclude vapour
transport.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kmc"))
from test_sintering import _touching_spheres

from nanosinter.kinetics import analyze_kinetics, read_dimer_table
from nanosinter.kmc import Simulation


def test_surface_diffusion_only_kmc_truth_gives_surface_diffusion(tmp_path):
    sim = Simulation(_touching_spheres(6.0), seed=0)
    rows = [sim.observables()]
    for t in np.geomspace(1e-7, 2e-4, 24):
        sim.advance(max_events=10**15, t_stop=t)
        rows.append(sim.observables())
    path = tmp_path / "observables.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    res = analyze_kinetics(read_dimer_table(path), n_boot=200, rng=0, contact_time_s=0.0)
    assert res.verdict.mechanism == "surface_diffusion", res.verdict.reasons
    assert res.verdict.confidence > 0.8
    outcome = {e.key: e.outcome for e in res.evidence}
    assert outcome["neck_curvature"] == "non-densifying"
    assert outcome["vapour_transport"] == "too slow"
