"""Contact and neck radius of a neck bridging a gap between the lobes' circles.

The tang2023 demo (KMC) sinters two 15.4 nm particles through a 3-D neck that grows across a
~1.3 nm gap of the lobes' circle fits; in projection the neck is about a third as dark as
the lobes, and the fitted lobes never "touch". Before the bridge test in ``DimerAnalyzer``
the analysis reported no contact in any frame of that movie. Analogue built with the tests'
forward model: a Figure-3g revolved dimer whose lobe circles stay 1.5 nm apart, joined by a
neck of radius 3 nm (projected thickness at the neck <= 0.46 of the lobes'), rendered by the
real renderer (texture, 1 nm carbon rim, blur, Poisson noise, drift); two frames before it
have the same gap and no neck (carbon rims only). Truth = the exact model geometry.
"""

from __future__ import annotations

import numpy as np
import pytest
from synth import rendered_dimer_movie
from table_rows import col, read_csv

GAP_NM = 1.5
NECKS_NM = (0.0, 0.0, 3.0, 3.0, 3.0, 3.0)
SEED = 1  # the first seed, not chosen


@pytest.fixture(scope="module")
def bridged(tmp_path_factory):
    """(dimer.csv rows, truth shapes, summary) of the analogue, analysed once."""
    from nanosinter.analysis import analyze_movie

    tmp_path = tmp_path_factory.mktemp("bridge")

    seq = [dict(r1_nm=7.0, r2_nm=6.5, center_distance_nm=7.0 + 6.5 + GAP_NM, neck_radius_nm=rn)
           for rn in NECKS_NM]
    movie, shapes, _drift = rendered_dimer_movie(seq, seed=SEED)
    # The analogue is what it claims: lobe circles apart, a neck much thinner than the lobes.
    for s in shapes:
        assert s.center_distance_nm - s.r1_nm - s.r2_nm == GAP_NM
        if s.contact:
            assert 2 * s.neck_radius_nm / (2 * min(s.r1_nm, s.r2_nm)) < 0.5
    summary = analyze_movie(movie, tmp_path, options=None)
    return read_csv(tmp_path / "dimer.csv"), shapes, summary


@pytest.fixture(scope="module")
def bridged_texture(tmp_path_factory):
    """The analogue analysed with the approach frames' texture subtracted (the two neck-free
    frames give the estimate)."""
    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.analysis._dimer import DimerOptions

    tmp_path = tmp_path_factory.mktemp("bridge_tex")
    seq = [dict(r1_nm=7.0, r2_nm=6.5, center_distance_nm=7.0 + 6.5 + GAP_NM, neck_radius_nm=rn)
           for rn in NECKS_NM]
    movie, shapes, _drift = rendered_dimer_movie(seq, seed=SEED)
    summary = analyze_movie(movie, tmp_path,
                            options=AnalysisOptions(dimer=DimerOptions(subtract_texture=True)))
    return read_csv(tmp_path / "dimer.csv"), shapes, summary


def test_bridging_neck_is_contact(bridged):
    rows, shapes, summary = bridged
    truth_contact = np.array([s.contact for s in shapes])
    got = col(rows, "contact").astype(bool)
    # Carbon rims across the 1.5 nm gap alone are no neck; the bridge is contact (the contact
    # frame is the first of 3 consecutive contact frames, so >= 3 of the 4 neck frames).
    assert not got[~truth_contact].any()
    first_truth = int(np.argmax(truth_contact))
    assert summary["contact_frame"] is not None
    assert abs(summary["contact_frame"] - first_truth) <= 2


def test_bridging_neck_radius_within_target(bridged_texture):
    # With DimerOptions(subtract_texture=True); default options: 0.303 nm (strict xfail
    # before, not kept: the option is what this test measures).
    rows, shapes, _summary = bridged_texture
    truth_contact = np.array([s.contact for s in shapes])
    got = col(rows, "contact").astype(bool)
    # Neck radius on the frames measured in contact (a single frame at this dose can fall
    # below the detection threshold; the others must have the true radius).
    use = truth_contact & got
    rn = col(rows, "neck_radius_nm")[use]
    rn_true = np.array([s.neck_radius_nm for s in shapes])[use]
    assert np.all(np.isfinite(rn))
    # Measured: 0.12 nm with the approach frames' texture subtracted, 0.303 nm without;
    # seed 2: 0.14 / 0.18 nm.
    assert np.median(np.abs(rn - rn_true)) <= 0.3
