"""Reading dimer tables from the analysis and the KMC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synth_kinetics import dimer_record

from nanosinter.errors import FileFormatError, InputError
from nanosinter.kinetics import (
    contact_time_s,
    dimer_table_from_columns,
    fit_dimer_neck_growth,
    read_dimer_table,
)

OBSERVABLES = ["time_s", "events", "n_atoms", "r1_nm", "r2_nm", "neck_radius_nm",
               "neck_curvature_radius_nm", "center_distance_nm", "gap_nm", "contact",
               "n_surface_atoms", "mixing_index", "n_thermal", "n_beam", "n_sputter",
               "temperature_K"]


def test_reads_kmc_observables(tmp_path):
    rec = dimer_record(rng=0)
    n = rec["time_s"].size
    df = pd.DataFrame({c: rec.get(c, np.arange(n)) for c in OBSERVABLES})
    p = tmp_path / "observables.csv"
    df.to_csv(p, index=False, na_rep="")
    table = read_dimer_table(p)
    assert len(table) == n
    assert table.contact.sum() == int(rec["contact"].sum())
    np.testing.assert_allclose(table.get("center_distance_nm"), rec["center_distance_nm"])
    assert table.get("n_atoms") is not None
    assert table.error("neck_radius_nm") is None


def test_reads_analysis_dimer_with_errors_and_unsorted_rows(tmp_path):
    rec = dimer_record(rng=1)
    df = pd.DataFrame(rec)
    df["frame"] = np.arange(len(df))
    df["neck_radius_nm_err"] = 0.05
    df = df.iloc[::-1]
    p = tmp_path / "dimer.csv"
    df.to_csv(p, index=False)
    table = read_dimer_table(p)
    assert np.all(np.diff(table.time_s) > 0)
    np.testing.assert_allclose(table.error("neck_radius_nm"), 0.05)


def test_contact_time_is_midpoint_and_offset_moves_time_zero():
    rec = dimer_record(rng=2, n_pre=10, dt_s=10.0)
    table = dimer_table_from_columns(rec)
    assert contact_time_s(table) == pytest.approx(95.0)
    f0 = fit_dimer_neck_growth(table, n_boot=0)
    f1 = fit_dimer_neck_growth(table, n_boot=0, time_offset_s=-5.0)
    assert f0.contact_time_s == pytest.approx(95.0)
    assert f1.contact_time_s == pytest.approx(90.0)
    np.testing.assert_allclose(f1.time_s, f0.time_s + 5.0)


def test_contact_inferred_from_neck_when_column_absent():
    rec = dimer_record(rng=3)
    rec.pop("contact")
    table = dimer_table_from_columns(rec)
    assert table.contact.sum() == np.isfinite(rec["neck_radius_nm"]).sum()


def test_missing_required_columns_named(tmp_path):
    p = tmp_path / "bad.csv"
    pd.DataFrame({"time_s": [0, 1, 2], "r1_nm": [1, 1, 1]}).to_csv(p, index=False)
    with pytest.raises(InputError, match="r2_nm, neck_radius_nm"):
        read_dimer_table(p)


def test_bad_files(tmp_path):
    with pytest.raises(FileFormatError, match="does not exist"):
        read_dimer_table(tmp_path / "none.csv")
    p = tmp_path / "text.csv"
    pd.DataFrame({"time_s": [0, 1, 2], "r1_nm": ["a", "b", "c"], "r2_nm": [1, 1, 1],
                  "neck_radius_nm": [0, 0, 0]}).to_csv(p, index=False)
    with pytest.raises(InputError, match="r1_nm"):
        read_dimer_table(p)
    with pytest.raises(InputError, match="repeats"):
        dimer_table_from_columns({"time_s": [0, 1, 1], "r1_nm": [1, 1, 1], "r2_nm": [1, 1, 1],
                                  "neck_radius_nm": [0, 0, 0]})
    with pytest.raises(InputError, match="at least 3"):
        dimer_table_from_columns({"time_s": [0, 1], "r1_nm": [1, 1], "r2_nm": [1, 1],
                                  "neck_radius_nm": [0, 0]})


def test_particles_table_accepts_analysis_column_names(tmp_path):
    from nanosinter.kinetics import read_particles_table

    p = tmp_path / "particles.csv"
    pd.DataFrame({"frame": [0, 1], "time_s": [0.0, 2.0], "track_id": [1, 1],
                  "x_nm": [3.5, 3.75], "y_nm": [-1.0, -1.25]}).to_csv(p, index=False)
    t = read_particles_table(p)
    np.testing.assert_array_equal(t["centroid_x_nm"], [3.5, 3.75])
    np.testing.assert_array_equal(t["centroid_y_nm"], [-1.0, -1.25])


def test_all_nan_table_gives_no_warning_and_neck_curvature_not_available(tmp_path):
    import warnings

    from nanosinter.kinetics import analyze_kinetics, plot_dimer_curves, read_dimer_table

    p = tmp_path / "dimer.csv"
    n = 8
    pd.DataFrame({"time_s": np.arange(n, dtype=float), "r1_nm": np.nan, "r2_nm": np.nan,
                  "neck_radius_nm": np.nan, "center_distance_nm": np.nan,
                  "contact": 0}).to_csv(p, index=False)
    table = read_dimer_table(p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = analyze_kinetics(table, n_boot=20)
        fig = plot_dimer_curves(table)
    import matplotlib.pyplot as plt

    plt.close(fig)
    assert res.verdict.label == "undetermined"
