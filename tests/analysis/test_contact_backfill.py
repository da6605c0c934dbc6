"""Backfilling the first contact frame from the movie's own in-contact gap level."""

from __future__ import annotations

import csv
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nanosinter.analysis._pipeline import _picked_gap, _rewrite_contact, backfill_contact

TOL = 0.15


def _approach(offset, noise, true_contact=8, n=20, step=0.29, rng=None):
    """Fitted gaps of an approach (true gap closing by ``step`` per frame) then contact,
    all biased by one constant ``offset`` (the movie's texture) plus small noise."""
    rng = rng or np.random.default_rng(0)
    true = np.where(np.arange(n) < true_contact,
                    step * (true_contact - np.arange(n)) + 0.21, -0.05)
    return list(true + offset + noise * rng.uniform(-1, 1, n)), true


@settings(max_examples=60, deadline=None)
@given(offset=st.floats(-0.6, 0.45), late=st.integers(0, 4), seed=st.integers(0, 10**6))
def test_backfill_finds_the_true_contact_whatever_the_constant_offset(offset, late, seed):
    gaps, _ = _approach(offset, 0.04, rng=np.random.default_rng(seed))
    cf = 8 + late  # the neck test found the contact ``late`` frames late
    contact = [1 if i >= cf else 0 for i in range(len(gaps))]
    got = backfill_contact(contact, gaps, cf, run=3, max_level_nm=0.5, tol_nm=TOL)
    # Back to the true contact frame, never before it (the frame before has true gap 0.5 nm).
    assert got == 8


def test_nothing_changes_for_bridging_necks_or_without_contact():
    gaps = [1.4, 1.5, 1.6, 1.9, 2.0, 2.0, 1.9]
    contact = [0, 0, 0, 1, 1, 1, 1]
    # the lobes' circles stay ~2 nm apart: a bridge, not touching lobes
    assert backfill_contact(contact, gaps, 3, run=3, max_level_nm=0.5, tol_nm=TOL) == 3
    assert backfill_contact([0] * 7, gaps, None, run=3, max_level_nm=0.5, tol_nm=TOL) is None
    assert backfill_contact(contact, gaps, 0, run=3, max_level_nm=0.5, tol_nm=TOL) == 0
    # switched off
    g2 = [0.9, 0.3, 0.3, 0.3, 0.3]
    c2 = [0, 0, 0, 1, 1]
    assert backfill_contact(c2, g2, 3, run=3, max_level_nm=0.5, tol_nm=0.0) == 3
    assert backfill_contact(c2, g2, 3, run=3, max_level_nm=0.5, tol_nm=TOL) == 1


def test_walk_stops_at_a_missing_or_wider_gap():
    contact = [0, 0, 0, 0, 1, 1, 1]
    gaps = [0.3, math.nan, 0.3, 0.35, 0.3, 0.32, 0.28]
    assert backfill_contact(contact, gaps, 4, run=3, max_level_nm=0.5, tol_nm=TOL) == 2
    gaps = [0.3, 0.3, 0.7, 0.35, 0.3, 0.32, 0.28]
    assert backfill_contact(contact, gaps, 4, run=3, max_level_nm=0.5, tol_nm=TOL) == 3


def test_rewrite_sets_contact_and_flag_only_on_the_backfilled_frames(tmp_path):
    path = tmp_path / "dimer.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["frame", "contact", "neck_radius_nm", "gap_nm", "gap_in_window", "flag"])
        for i in range(6):
            w.writerow([i, int(i >= 4), "2.0" if i >= 4 else "", "0" if i >= 4 else "1.4",
                        int(i < 4), "edge" if i == 2 else ""])
    _rewrite_contact(path, range(2, 4), "backfilled")
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["contact"]) for r in rows] == [0, 0, 1, 1, 1, 1]
    assert [r["gap_nm"] for r in rows] == ["1.4", "1.4", "0", "0", "0", "0"]
    assert [r["gap_in_window"] for r in rows] == ["1", "1", "0", "0", "0", "0"]
    assert [r["flag"] for r in rows] == ["", "", "edge; backfilled", "backfilled", "", ""]
    assert [r["neck_radius_nm"] for r in rows] == ["", "", "", "", "2.0", "2.0"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dimer.csv"]  # no temporary left


def test_touch_hysteresis_bridges_a_one_frame_dropout_of_the_neck_test(tmp_path):
    """Held-out seed 51 of the test movies with the picked-gap contact rules
    (``gls_gap=False``): contact in frame 9, the neck test fails in frame 10 although the
    lobes still touch, then contact from 11 (first run of 3: frame 11, truth 8). With
    ``touch_hysteresis`` frame 10 stays in contact and the backfill reaches frame 8. The
    default whitened-gap rule (``touch_gap_nm``) finds frame 8 without either.
    """
    from synth import dimer_sequence, rendered_dimer_movie
    from table_rows import col, read_csv

    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.analysis._dimer import DimerOptions

    movie, shapes, _ = rendered_dimer_movie(dimer_sequence(7.0, 6.5), seed=51)
    truth = next(i for i, s in enumerate(shapes) if s.contact)
    got = {}
    # workers=1 decides in the process; 2 through the worker's alternative outcome
    for on, workers in ((False, 1), (True, 1), (True, 2)):
        opt = AnalysisOptions(dimer=DimerOptions(touch_hysteresis=on, gls_gap=False),
                              workers=workers)
        out = tmp_path / f"{on}{workers}"
        got[on, workers] = analyze_movie(movie, out, options=opt)["contact_frame"]
        contact = col(read_csv(out / "dimer.csv"), "contact")
        if on:
            assert np.all(contact[truth:] == 1)
    assert got[False, 1] - truth == 3
    assert got[True, 1] == got[True, 2] == truth
    assert analyze_movie(movie, tmp_path / "default")["contact_frame"] == truth


@settings(max_examples=80, deadline=None)
@given(lobes=st.lists(st.floats(-20.0, 20.0), min_size=4, max_size=4),
       radii=st.lists(st.floats(3.0, 9.0), min_size=2, max_size=2),
       shift=st.lists(st.floats(-0.8, 0.8), min_size=6, max_size=6))
def test_backfill_reads_the_picked_gap_under_any_reported_offsets(lobes, radii, shift):
    """The backfill's gap is the pixel-picked fit's, whatever offsets (gls_report) the
    reported lobes carry: the offsets are taken off again exactly."""
    x1, y1, x2, y2 = lobes
    r1, r2 = radii
    sx1, sy1, sr1, sx2, sy2, sr2 = shift
    row = {"x1_nm": x1 + sx1, "y1_nm": y1 + sy1, "r1_nm": r1 + sr1,
           "x2_nm": x2 + sx2, "y2_nm": y2 + sy2, "r2_nm": r2 + sr2}
    row["center_distance_nm"] = math.hypot(row["x2_nm"] - row["x1_nm"], row["y2_nm"] - row["y1_nm"])
    want = math.hypot(x2 - x1, y2 - y1) - r1 - r2
    assert math.isclose(_picked_gap(row, tuple(shift)), want, abs_tol=1e-9)
    unshifted = {"x1_nm": x1, "y1_nm": y1, "r1_nm": r1, "x2_nm": x2, "y2_nm": y2, "r2_nm": r2,
                 "center_distance_nm": math.hypot(x2 - x1, y2 - y1)}
    assert math.isclose(_picked_gap(unshifted, (0.0,) * 6), want, abs_tol=1e-9)
