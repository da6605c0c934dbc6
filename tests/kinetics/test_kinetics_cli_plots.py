"""The ``nanosinter fit`` command and the report figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from synth_kinetics import dimer_record

from nanosinter.cli.main import main
from nanosinter.kinetics import (
    dimer_table_from_columns,
    fit_dimer_neck_growth,
    plot_dimer_curves,
    plot_neck_growth,
)


@pytest.fixture
def dimer_csv(tmp_path):
    p = tmp_path / "dimer.csv"
    pd.DataFrame(dimer_record(rng=21)).to_csv(p, index=False)
    return p


def test_fit_json_contract(dimer_csv, tmp_path, capsys):
    png = tmp_path / "neck.png"
    curves = tmp_path / "curves.png"
    code = main(["fit", str(dimer_csv), "--json", "--bootstrap", "100", "--plot", str(png),
                 "--curves", str(curves), "--truth", str(dimer_csv),
                 "--dose-rate-e-per-A2-s", "100"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"]["mechanism"] == "surface_diffusion"
    assert out["fit"]["best_law"] == "surface_diffusion"
    assert {m["key"] for m in out["fit"]["models"]} >= {"constant", "power_law", "two_stage",
                                                        "surface_diffusion"}
    ds = out["surface_diffusivity"]
    assert ds["D_s_m2_per_s"] == pytest.approx(ds["D_s_nm2_per_s"] * 1e-18)
    lo, hi = ds["interval_nm2_per_s"]
    assert lo < ds["D_s_nm2_per_s"] < hi
    assert [e["symbol"] for e in out["beam_budget"]["elements"]] == ["Cd", "S"]
    assert out["provenance"]["inputs"]["dimer"]["sha256"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert curves.stat().st_size > 10_000


def test_fit_text_output(dimer_csv, capsys):
    assert main(["fit", str(dimer_csv), "--bootstrap", "50"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("verdict: surface diffusion")
    assert "effective D_s" in out


def test_fit_errors_are_one_line(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"time_s": [0, 1, 2]}).to_csv(bad, index=False)
    assert main(["fit", str(bad)]) == 2
    assert "lacks column(s) r1_nm" in capsys.readouterr().err


def test_figures_have_the_data():
    table = dimer_table_from_columns(dimer_record(rng=2))
    fit = fit_dimer_neck_growth(table, n_boot=0)
    fig = plot_neck_growth(fit)
    ax_log = fig.axes[0]
    pts = ax_log.lines[0].get_ydata()
    np.testing.assert_allclose(pts, fit.x_over_a)
    assert len(ax_log.lines) == 1 + len(fit.models)
    fig2 = plot_dimer_curves(table, truth=table)
    labels = [t.get_text() for t in fig2.axes[1].get_legend().get_texts()]
    assert {"r1 measured", "r2 measured", "r measured", "r1 true"} <= set(labels)
