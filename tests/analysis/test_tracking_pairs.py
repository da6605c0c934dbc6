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
    assert ev2 == [("merge", [1, 2], [ids2[1]])]
    assert ids2[1] not in (1, 2)
    split = _discs((60, 100), [(30, 30, 10), (70, 30, 10)])
    ids3, ev3 = t.update(split, (0.0, 0.0))
    assert len(ev3) == 1 and ev3[0][0] == "split" and ev3[0][1] == [ids2[1]]
    assert sorted(ev3[0][2]) == sorted(ids3.values())


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
