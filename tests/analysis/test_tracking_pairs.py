"""Tracking with lineage (merges and splits) and surface gaps between neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from synth import spheres_frame

from nanosinter.analysis import (
    SegmentOptions,
    Tracker,
    measure_particles,
    particle_gaps,
    segment_frame,
)


def _discs(shape, discs):
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    lab = np.zeros(shape, np.int32)
    for k, (x, y, r) in enumerate(discs, start=1):
        lab[(xx - x) ** 2 + (yy - y) ** 2 <= r * r] = k
    return lab


def test_merge_and_split_are_events_with_lineage():
    t = Tracker()
    a = _discs((60, 100), [(30, 30, 10), (70, 30, 10)])
    ids0, ev0 = t.update(a, (0.0, 0.0))
    assert ev0 == [] and sorted(ids0.values()) == [1, 2]
    ids1, ev1 = t.update(a, (0.0, 0.0))  # unchanged: same identities
    assert ids1 == ids0 and ev1 == []
    merged = _discs((60, 100), [(50, 30, 25)])
    ids2, ev2 = t.update(merged, (0.0, 0.0))
    assert ev2 == [("merge", [1, 2], [ids2[1]], 2)]
    assert ids2[1] not in (1, 2)
    split = _discs((60, 100), [(30, 30, 10), (70, 30, 10)])
    ids3, ev3 = t.update(split, (0.0, 0.0))
    assert len(ev3) == 1 and ev3[0][0] == "split" and ev3[0][1] == [ids2[1]]
    assert sorted(ev3[0][2]) == sorted(ids3.values()) and ev3[0][3] == 3


def test_join_that_parts_again_keeps_identities_and_leaves_no_event():
    """confirm_frames: outlines that join for fewer frames and part into the same two bodies
    (rims touching) are not a coalescence; one that lasts is, reported at its own frame."""
    apart = _discs((60, 100), [(30, 30, 10), (70, 30, 10)])
    joined = _discs((60, 100), [(50, 30, 25)])
    t = Tracker(confirm_frames=3)
    seq = [apart, joined, joined, apart, joined, apart, apart]
    all_events, id_sets = [], []
    for k, lab in enumerate(seq):
        ids, ev = t.update(lab, (0.0, 0.0), frame=10 + k)
        all_events += ev
        id_sets.append(sorted(ids.values()))
    assert all_events == [] and t.finish() == []
    assert id_sets[0] == id_sets[3] == id_sets[5] == id_sets[6] == [1, 2]
    # Joined for 3 frames (frames 20-22): confirmed in frame 23, reported at frame 20.
    t = Tracker(confirm_frames=3)
    evs = []
    for k, lab in enumerate([apart, joined, joined, joined, joined, apart]):
        evs += [(k, e) for e in t.update(lab, (0.0, 0.0), frame=19 + k)[1]]
    assert [(k, e[0], e[1], e[3]) for k, e in evs] == [(4, "merge", [1, 2], 20),
                                                       (5, "split", [3], 24)]
    # A join still waiting at the end of the movie is reported by finish().
    t = Tracker(confirm_frames=5)
    for lab in (apart, joined, joined):
        assert t.update(lab, (0.0, 0.0))[1] == []
    assert t.finish() == [("merge", [1, 2], [3], 1)]


def test_parted_bodies_must_match_the_parents():
    """A waiting join that parts into bodies elsewhere (not one to one on the parents) is a
    merge and a split, not a flicker."""
    apart = _discs((60, 120), [(30, 30, 10), (70, 30, 10)])
    joined = _discs((60, 120), [(50, 30, 25)])
    moved = _discs((60, 120), [(50, 12, 8), (50, 48, 8)])
    t = Tracker(confirm_frames=4)
    t.update(apart, (0.0, 0.0))
    t.update(joined, (0.0, 0.0))
    ids, ev = t.update(moved, (0.0, 0.0))
    assert [e[0] for e in ev] == ["merge", "split"]
    assert ev[0][1] == [1, 2] and ev[1][1] == ev[0][2]
    assert not set(ids.values()) & {1, 2}


def test_tracking_follows_drift():
    """A 15-pixel drift larger than the particles' overlap is undone before linking."""
    t = Tracker()
    a = _discs((80, 120), [(30, 40, 6), (80, 40, 6)])
    ids0, _ = t.update(a, (0.0, 0.0))
    b = _discs((80, 120), [(45, 40, 6), (95, 40, 6)])
    ids1, ev = t.update(b, (15.0, 0.0))
    assert ev == []
    assert ids1 == ids0
    # Without the drift the particles would have been new tracks.
    t2 = Tracker()
    t2.update(a, (0.0, 0.0))
    ids2, _ = t2.update(b, (0.0, 0.0))
    assert set(ids2.values()).isdisjoint(ids0.values()) or ids2 != ids0


@pytest.mark.parametrize("gap_nm", [1.0, 1.5, 3.0])
def test_surface_gap_between_neighbours(gap_nm):
    r = 5.0
    frame = spheres_frame([(8.0, 10.0), (8.0 + 2 * r + gap_nm, 10.0)], [r, r],
                          shape_px=(200, 300), rng=1, dose_counts=400.0)
    seg = segment_frame(frame, options=SegmentOptions(denoise_sigma_px=2.0))
    rows, outlines = measure_particles(seg, 0.1, with_outlines=True)
    assert len(rows) == 2
    pairs = particle_gaps(rows, outlines, 0.1)
    assert len(pairs) == 1
    p = pairs[0]
    # Outlines at the detection level lie inside the silhouettes: the gap is an upper bound,
    # within 2 x (outline bias ~0.3 nm) + 1 pixel of the truth.
    assert gap_nm - 0.1 <= p["gap_nm"] <= gap_nm + 0.8
    assert p["in_window"] == int(1.0 <= p["gap_nm"] <= 2.0)
    assert p["gap_nm_err"] > 0
