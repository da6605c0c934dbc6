"""The report's measured-versus-true table: selections and the analysis' test targets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nanosinter.report._accuracy import TEST_TARGETS, accuracy_rows


def _frames(n=10, contact_from=3):
    frame = np.arange(n)
    contact = (frame >= contact_from).astype(int)
    neck = np.where(contact > 0, np.linspace(0.5, 3.0, n), np.nan)
    big_r = np.where(contact > 0, np.linspace(0.5, 2.5, n), np.nan)
    return pd.DataFrame({"frame": frame, "time_s": frame * 2.0, "r1_nm": 7.0, "r2_nm": 6.5,
                         "neck_radius_nm": neck, "neck_curvature_radius_nm": big_r,
                         "center_distance_nm": 14.0, "gap_nm": np.where(contact > 0, 0, 1.0),
                         "contact": contact})


def test_rows_select_like_the_tests_and_say_whether_targets_are_met():
    truth = _frames()
    meas = truth.copy()
    meas["r1_nm"] += 0.25          # within 0.3
    meas["r2_nm"] -= 0.35          # beyond 0.3
    meas["neck_curvature_radius_nm"] *= 1.4   # 40 % off: beyond 25 %
    meas["center_distance_nm"] += np.where(truth["frame"] % 2 == 0, 0.1, -0.1)
    meas.loc[meas["frame"] == 3, "contact"] = 0   # contact found one frame late
    rows = {r["quantity"]: r for r in accuracy_rows(meas, truth)}
    assert abs(rows["r1_nm"]["median_abs_error_nm"] - 0.25) < 1e-12
    assert rows["r1_nm"]["within_target"] is True
    assert rows["r2_nm"]["within_target"] is False
    assert rows["center_distance_nm"]["within_target"] is True
    # R: only frames where both say contact and the true R >= 1 nm
    t_r = truth["neck_curvature_radius_nm"].to_numpy()
    keep = (meas["contact"].to_numpy() > 0) & (truth["contact"].to_numpy() > 0) & (t_r >= 1.0)
    assert rows["neck_curvature_radius_nm"]["frames"] == int(keep.sum()) > 0
    assert abs(rows["neck_curvature_radius_nm"]["median_rel_error"] - 0.4) < 1e-12
    assert rows["neck_curvature_radius_nm"]["within_target"] is False
    # neck radius: true r > 1 nm only (here exact: error 0, met)
    assert rows["neck_radius_nm"]["within_target"] is True
    contact = rows["contact frame (measured / true)"]
    assert (contact["measured"], contact["true"]) == (4, 3)
    assert contact["within_target"] is True
    assert {r["quantity"] for r in rows.values() if "target" in r} == set(TEST_TARGETS)
    # the gap has no target
    assert "target" not in rows["gap_nm"]


def test_contact_far_off_misses_the_target():
    truth = _frames()
    meas = truth.copy()
    meas["contact"] = (meas["frame"] >= 8).astype(int)
    contact = {r["quantity"]: r for r in accuracy_rows(meas, truth)}[
        "contact frame (measured / true)"]
    assert contact["within_target"] is False
