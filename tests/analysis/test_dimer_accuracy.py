"""Accuracy of the dimer geometry on rendered sintering movies with known truth (issue 5).

Truth: the exact forward-model geometry (``nanosinter.geometry.dimer_shape``) of the atoms the
renderer imaged, at 0.1 nm/px with dose noise, support texture, carbon rim, blur and drift.
Medians are pooled over the movies of ``conftest.SEEDS``; the slow test pools seeds 1-8.
Default options throughout (the approach frames' texture subtracted, the carbon-shell neck
model: ``DimerOptions``).
"""

from __future__ import annotations

import numpy as np
import pytest
from synth import truth_volume_nm3
from table_rows import col, read_csv


def _truth(run, name):
    return np.array([getattr(s, name) for s in run["shapes"]], dtype=float)


def _pooled(runs, name, select=None):
    meas, true = [], []
    for run in runs:
        m, t = col(run["dimer"], name), _truth(run, name)
        keep = np.ones(t.size, bool) if select is None else select(run, t)
        meas.append(m[keep])
        true.append(t[keep])
    return np.concatenate(meas), np.concatenate(true)


def test_lobe_radii_median_error_within_0p3_nm(sintering_runs):
    for name in ("r1_nm", "r2_nm"):
        meas, true = _pooled(sintering_runs, name)
        err = np.abs(meas - true)
        assert np.all(np.isfinite(err)), name
        assert np.median(err) <= 0.3, (name, err)


def test_neck_radius_within_0p3_nm_once_above_1_nm(sintering_runs):
    meas, true = _pooled(sintering_runs, "neck_radius_nm",
                         lambda run, t: np.isfinite(t) & (t > 1.0))
    assert true.size >= 16
    assert np.all(np.isfinite(meas))
    assert np.median(np.abs(meas - true)) <= 0.3


def test_neck_radius_within_0p3_nm_once_resolved(sintering_runs):
    """Where the neck arc is resolved (R >= 0.5 nm, > 1.5x the blur), the neck is within 0.3."""
    meas, true = [], []
    for run in sintering_runs:
        big_r = _truth(run, "neck_curvature_radius_nm")
        keep = np.isfinite(big_r) & (big_r >= 0.5)
        meas.append(col(run["dimer"], "neck_radius_nm")[keep])
        true.append(_truth(run, "neck_radius_nm")[keep])
    meas, true = np.concatenate(meas), np.concatenate(true)
    assert true.size >= 10
    assert np.median(np.abs(meas - true)) <= 0.3


def test_neck_curvature_radius_within_25_percent(sintering_runs):
    """R is tested where it is resolved: R >= 1 nm (10 pixels, > 3x the 0.3 nm blur)."""
    meas, true = _pooled(sintering_runs, "neck_curvature_radius_nm",
                         lambda run, t: np.isfinite(t) & (t >= 1.0))
    assert true.size >= 6
    rel = np.abs(meas / true - 1.0)
    assert np.all(np.isfinite(rel))
    assert np.median(rel) <= 0.25, rel


def test_contact_frame_within_two_frames(sintering_runs):
    for run in sintering_runs:
        cf = run["summary"]["contact_frame"]
        assert cf is not None
        assert abs(cf - run["contact_frame"]) <= 2
        contact = col(run["dimer"], "contact")
        truth_cf = run["contact_frame"]
        # Well after contact nearly every frame is in contact; well before, none.
        assert np.mean(contact[truth_cf + 3 :] == 1) >= 0.8
        assert np.all(contact[: max(truth_cf - 3, 0)] == 0)


def test_center_distance_drift_corrected_within_0p2_nm(sintering_runs):
    for run in sintering_runs:
        assert np.hypot(*run["drift_nm"][-1]) > 0.2  # the movies really drift
    meas, true = _pooled(sintering_runs, "center_distance_nm")
    assert np.median(np.abs(meas - true)) <= 0.2


def test_drift_estimate_matches_applied_drift(sintering_runs):
    for run in sintering_runs:
        frames = run["frames"]
        est = np.column_stack([col(frames, "drift_x_nm"), col(frames, "drift_y_nm")])
        err = np.hypot(*(est - run["drift_nm"]).T)
        assert np.median(err) <= 0.2, err


def test_gaps_and_sintering_window(sintering_runs):
    for run in sintering_runs:
        rows = run["dimer"]
        true_gap = _truth(run, "gap_nm")
        before = np.arange(len(rows)) < run["contact_frame"] - 1
        gap = col(rows, "gap_nm")
        assert np.median(np.abs(gap[before] - true_gap[before])) <= 0.5
        window = col(rows, "gap_in_window")
        clearly_in = before & (true_gap > 1.3) & (true_gap < 1.7)
        clearly_out = before & (true_gap > 2.4)
        assert clearly_in.sum() >= 1 and clearly_out.sum() >= 1
        assert np.all(window[clearly_out] == 0)
        assert np.mean(window[clearly_in]) >= 0.5


def test_volume_estimate(sintering_runs):
    for run in sintering_runs:
        vol = col(run["dimer"], "volume_nm3")
        truth = np.array([truth_volume_nm3(s) for s in run["shapes"]])
        rel = np.abs(vol / truth - 1)
        assert np.median(rel) <= 0.08, rel
        assert np.all(np.isfinite(col(run["dimer"], "volume_nm3_err")))


def test_every_value_has_an_uncertainty(sintering_runs):
    for run in sintering_runs:
        rows = run["dimer"]
        for name in ("r1_nm", "r2_nm", "neck_radius_nm", "neck_curvature_radius_nm",
                     "center_distance_nm", "gap_nm", "volume_nm3"):
            v, e = col(rows, name), col(rows, name + "_err")
            has = np.isfinite(v)
            assert has.any(), name
            assert np.all(np.isfinite(e[has]) & (e[has] >= 0)), name


def test_merge_event_at_contact(sintering_runs):
    for run in sintering_runs:
        merges = [e for e in run["events"] if e["event"] == "merge"]
        assert len(merges) >= 1
        m = merges[0]
        # Detection-level bodies join when the carbon rims touch, up to ~1 nm before contact
        # (docs/analysis.md); the merge is never after the contact.
        assert run["contact_frame"] - 4 <= m["frame"] <= run["contact_frame"] + 2
        first = [p["track_id"] for p in run["particles"] if p["frame"] == 0]
        parents = sorted(int(float(x)) for x in str(m["parent_ids"]).split())
        assert len(parents) == 2
        assert set(parents) <= {int(t) for t in first}
        child = int(float(m["child_ids"]))
        assert child not in parents


def test_summary_and_files(sintering_runs):
    for run in sintering_runs:
        s = run["summary"]
        assert s["n_frames"] == len(run["shapes"])
        assert s["frames_per_s"] > 0 and s["peak_memory_mb"] > 0
        assert s["n_merges"] >= 1
        assert len(s["files"]["overlays"]) >= 4
        for png in s["files"]["overlays"]:
            with open(png, "rb") as fh:
                assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_seeds_1_to_8_pooled_accuracy_default_options(tmp_path_factory):
    """Every accuracy target of issue 5, pooled over seeds 1-8 (the first eight, not chosen),
    with default options, and every seed's contact frame within 2 frames.

    Measured (``benchmarks/analysis_accuracy.py --seeds 1 2 3 4 5 6 7 8``): r1 0.118, r2
    0.062, neck 0.269 nm, R 16 %, centre distance 0.146 nm, contact frames 7 8 8 8 8 8 10 6
    (truth 8). Per seed, seeds 3, 4 and 8 miss a target (docs/analysis.md)."""
    from synth import dimer_sequence, rendered_dimer_movie

    from nanosinter.analysis import analyze_movie

    runs = []
    for seed in range(1, 9):
        movie, shapes, _drift = rendered_dimer_movie(dimer_sequence(7.0, 6.5), seed=seed)
        out = tmp_path_factory.mktemp(f"sinter_all{seed}")
        summary = analyze_movie(movie, out)
        runs.append({"shapes": shapes, "dimer": read_csv(out / "dimer.csv"),
                     "contact_frame": summary["contact_frame"]})
    cf_true = next(i for i, s in enumerate(shapes) if s.contact)
    assert all(abs(run["contact_frame"] - cf_true) <= 2 for run in runs), \
        [run["contact_frame"] for run in runs]
    for name in ("r1_nm", "r2_nm"):
        m, t = _pooled(runs, name)
        assert np.median(np.abs(m - t)) <= 0.3, name
    meas, true = _pooled(runs, "neck_radius_nm", lambda run, t: np.isfinite(t) & (t > 1.0))
    # A frame without a measured neck counts as an error of the whole neck.
    assert np.median(np.abs(np.nan_to_num(meas, nan=0.0) - true)) <= 0.3
    big_m, big_t = _pooled(runs, "neck_curvature_radius_nm",
                           lambda run, t: np.isfinite(t) & (t >= 1.0))
    assert np.median(np.abs(np.nan_to_num(big_m, nan=0.0) / big_t - 1.0)) <= 0.25
    d_m, d_t = _pooled(runs, "center_distance_nm")
    assert np.median(np.abs(d_m - d_t)) <= 0.2


def test_reported_errors_cover_the_true_errors(sintering_runs):
    """The ``*_err`` columns are one-sigma errors that include the support texture.

    Pooled over the test movies, most frames lie within 2 reported sigmas of the truth (a
    Gaussian error bar: 95 %; the frames of one movie share one texture realisation, so the
    pooled fraction is a few independent draws, hence the loose 60 % bound). White-noise
    errors alone covered 0-5 % of the frames for r1 on these movies.
    """
    for name, select in (("r1_nm", None), ("r2_nm", None), ("center_distance_nm", None),
                         ("neck_radius_nm", lambda run, t: np.isfinite(t) & (t > 1.0))):
        z = []
        for run in sintering_runs:
            t = _truth(run, name)
            keep = np.ones(t.size, bool) if select is None else select(run, t)
            m, e = col(run["dimer"], name)[keep], col(run["dimer"], name + "_err")[keep]
            assert np.all(np.isfinite(e) & (e > 0)), name
            z.append(np.abs(m - t[keep]) / e)
        z = np.concatenate(z)
        assert np.mean(z <= 2.0) >= 0.6, (name, np.round(z, 2))
