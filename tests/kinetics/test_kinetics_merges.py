"""Migration seen through merges of any two tracks (KMC bodies, analysis events.csv).

Ground truth: four particles on a plane, two of them random-walking (relative diffusivity
D_rel, MSD = 4 D_rel t) until they merge, the other two still; every centre carries 0.1 nm
Gaussian localisation noise. The dimer columns follow the two still particles, which never
touch -- as the KMC's r1/r2 follow particles 0 and 1 while others merge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nanosinter.errors import FileFormatError
from nanosinter.kinetics import (
    analyze_kinetics,
    dimer_table_from_columns,
    merge_events,
    merge_motion_evidence,
    read_particles_table,
)

DT_S = 2.0
N_FRAMES = 60
MERGE_FRAME = 30
NOISE_NM = 0.1


def _tracks(seed: int, d_rel_nm2_per_s: float) -> dict[str, np.ndarray]:
    """Tracks 0..3 (KMC layout: body = lowest index of the connected cluster)."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_FRAMES) * DT_S
    pos = {0: np.array([10.0, 10.0]), 1: np.array([30.0, 10.0]), 2: np.array([10.0, 18.0]),
           3: np.array([30.0, 25.0])}
    rows = []
    # each walker gets half the relative diffusivity: steps of variance 2 (D/2) dt per axis
    step = np.sqrt(2 * 0.5 * d_rel_nm2_per_s * DT_S)
    walk = {k: np.cumsum(np.vstack([np.zeros(2), rng.normal(0, step, (N_FRAMES - 1, 2))]),
                         axis=0) for k in (0, 2)}
    for i, tt in enumerate(t):
        for k in range(4):
            p = pos[k] + (walk[k][min(i, MERGE_FRAME)] if k in walk else 0.0)
            body = 0 if (k in (0, 2) and i >= MERGE_FRAME) else k
            rows.append((tt, k, *(p + rng.normal(0, NOISE_NM, 2)), body))
    a = np.array(rows)
    return {"time_s": a[:, 0], "track_id": a[:, 1].astype(int), "centroid_x_nm": a[:, 2],
            "centroid_y_nm": a[:, 3], "body": a[:, 4].astype(int)}


def _still_dimer() -> dict[str, np.ndarray]:
    t = np.arange(N_FRAMES) * DT_S
    rng = np.random.default_rng(7)
    n = t.size
    return {"time_s": t, "r1_nm": 3.5 + rng.normal(0, 0.03, n),
            "r2_nm": 4.0 + rng.normal(0, 0.03, n), "neck_radius_nm": np.full(n, np.nan),
            "center_distance_nm": 20.0 + rng.normal(0, 0.1, n),
            "gap_nm": 12.5 + rng.normal(0, 0.1, n), "contact": np.zeros(n, int)}


def test_merge_events_from_kmc_bodies():
    ev = merge_events(_tracks(0, 0.1))
    assert ev == [(MERGE_FRAME * DT_S, ("0", "2"))]


def test_merge_events_from_analysis_events_csv(tmp_path):
    tr = _tracks(0, 0.1)
    pd.DataFrame({"time_s": tr["time_s"], "track_id": tr["track_id"],
                  "x_nm": tr["centroid_x_nm"], "y_nm": tr["centroid_y_nm"]}
                 ).to_csv(tmp_path / "particles.csv", index=False)
    pd.DataFrame({"frame": [30, 40, 45], "time_s": [60.0, 80.0, 90.0],
                  "event": ["merge", "split", "merge"],
                  "parent_ids": ["0 2", "5", "1 3 4"], "child_ids": ["5", "6 7", "8"]}
                 ).to_csv(tmp_path / "events.csv", index=False)
    p = read_particles_table(tmp_path / "particles.csv")
    assert merge_events(p) == [(60.0, ("0", "2")), (90.0, ("1", "3")), (90.0, ("1", "4")),
                               (90.0, ("3", "4"))]
    with pytest.raises(FileFormatError):
        read_particles_table(tmp_path / "particles.csv", events=tmp_path / "missing.csv")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_random_walk_before_merge_is_migration(seed):
    # D_rel = 0.05 nm^2/s: 0.4 nm^2 of relative MSD per 2 s frame, 16x the noise's 0.02 nm^2
    tracks = _tracks(seed, 0.05)
    ev = merge_motion_evidence(tracks)
    assert ev.outcome == "moving", ev.finding
    pair = ev.details["pairs"][0]
    assert pair["tracks_used"] == ["0", "2"] and pair["n_common"] == MERGE_FRAME
    # MSD at lag L = n/4 = 7 frames is 4 D_rel L dt + 4 sigma^2: the diffusivity read back
    # (MSD / 4 L dt) is D_rel plus the noise bias, within a factor 3 (30 frames hold only ~4
    # independent lag-7 windows, so the estimate scatters by ~50 % or more)
    expected = 0.05 + NOISE_NM**2 / (7 * DT_S)
    assert expected / 3 < pair["relative_diffusivity_nm2_per_s"] < 3 * expected
    res = analyze_kinetics(dimer_table_from_columns(_still_dimer()), particles=tracks,
                           n_boot=20, rng=0)
    assert res.verdict.mechanism == "migration_coalescence", res.verdict.reasons
    assert res.verdict.confidence >= 0.99


@pytest.mark.parametrize("seed", range(6))
def test_still_particles_that_merge_are_not_migration(seed):
    # the pair merges (a sintering contact) but only localisation noise moves the centres
    tracks = _tracks(seed, 0.0)
    ev = merge_motion_evidence(tracks)
    assert ev.outcome == "still", ev.finding
    assert abs(ev.details["relative_msd_z"]) < 3
    res = analyze_kinetics(dimer_table_from_columns(_still_dimer()), particles=tracks,
                           n_boot=20, rng=0)
    assert res.verdict.mechanism != "migration_coalescence"


def test_no_merge_and_too_short_records():
    tr = _tracks(0, 0.05)
    tr["body"] = tr["track_id"].copy()
    assert merge_motion_evidence(tr).outcome == "no merge"
    assert not merge_motion_evidence(None).available
    short = {k: v[: 4 * 5] for k, v in _tracks(0, 0.05).items()}  # 5 frames, no merge yet
    assert merge_motion_evidence(short).outcome == "no merge"
