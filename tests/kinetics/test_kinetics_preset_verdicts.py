"""The mechanism verdict on KMC runs whose true mechanism is known (issue 7).

Fast: a reduced Ostwald run (particles of 2.0 and 3.5 nm radius 3 nm apart, 60 us at 553 K, ~10 s):
the verdict on its ground truth (observables.csv) is Ostwald ripening.
Slow: ``nanosinter demo --preset ostwald-8-15nm`` end to end (KMC, rendered movie, blind
analysis, fit, report; ~1.5 min): the true mechanism is named from the truth and from the
movie; ``--preset migration`` (~1 min): named from the truth, and the page says why the
movie analysis cannot name it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from nanosinter import kinetics, kmc
from nanosinter.cli.main import main


def test_reduced_ostwald_run_truth_verdict(tmp_path):
    cfg = kmc.merge_config(kmc.preset("ostwald-8-15nm"), {
        "geometry": {"radii_nm": [2.0, 3.5], "gap_nm": 3.0, "margin_nm": 1.0},
        "run": {"until_s": 6e-5, "every_s": 2e-6, "snapshot_every": 1000}}, where="test")
    kmc.run(cfg, tmp_path / "sim", seed=2023, progress=False)
    table = kinetics.read_dimer_table(tmp_path / "sim" / "observables.csv")
    # ground truth of the run: the small particle loses > 30 % of its radius, the large one
    # does not shrink, no contact, atoms conserved (closed vapour)
    r1, r2 = table.r1_nm, table.r2_nm
    assert not table.has_contact
    assert np.nanmin(r1) < 0.7 * r1[0]
    assert np.nanmax(r2[np.isfinite(r2)][-5:]) >= 0.98 * r2[0]
    res = kinetics.analyze_kinetics(table, n_boot=50, rng=0)
    assert res.verdict.mechanism == "ostwald_ripening", res.verdict.reasons
    assert res.verdict.confidence >= 0.99


def test_demo_unknown_preset_is_one_line_and_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--preset", "nope", "--out", str(tmp_path / "x")])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) <= 3 and "invalid choice: 'nope'" in err[-1]
    assert not (tmp_path / "x").exists()


def _demo(tmp_path, preset):
    out = tmp_path / preset
    assert main(["demo", "--preset", preset, "--out", str(out), "--seed", "2023"]) == 0
    return out, json.loads((out / "mechanism.json").read_text())


@pytest.mark.slow
def test_demo_ostwald_preset_names_ostwald(tmp_path):
    out, m = _demo(tmp_path, "ostwald-8-15nm")
    assert m["true_mechanism"] == "ostwald_ripening"
    assert m["truth_verdict"]["mechanism"] == "ostwald_ripening"
    assert m["blind_verdict"]["mechanism"] == "ostwald_ripening"
    assert m["blind_verdict"]["confidence"] >= 0.9
    assert m["notes"] == []
    assert (out / "report.html").stat().st_size > 10_000


@pytest.mark.slow
def test_demo_migration_preset(tmp_path):
    out, m = _demo(tmp_path, "migration")
    assert m["truth_verdict"]["mechanism"] == "migration_coalescence"
    assert m["truth_verdict"]["confidence"] >= 0.99
    if m["blind_verdict"]["mechanism"] != "migration_coalescence":
        # the page must say why, naming the stage
        assert m["notes"] and "limiting stage" in m["notes"][0]
        assert "limiting stage" in (out / "report.html").read_text()
