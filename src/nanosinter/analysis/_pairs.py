"""Surface-to-surface distances between neighbouring particles, flagging the sintering window."""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

PAIR_COLUMNS = ("track_id_a", "track_id_b", "gap_nm", "gap_nm_err", "in_window")


def particle_gaps(
    particles: list[dict], outlines: dict[int, np.ndarray], pixel_size_nm: float, *,
    max_gap_nm: float = 5.0, window_nm: tuple[float, float] = (1.0, 2.0),
) -> list[dict]:
    """Smallest outline-to-outline distance of every pair of particles closer than max_gap_nm.

    Parameters
    ----------
    particles : list of dict
        Rows of :func:`measure_particles` with a ``track_id`` added.
    outlines : dict label -> (n, 2) outline in pixels
    pixel_size_nm : float
    max_gap_nm : float, keyword-only
        Pairs whose circle estimate ``|c_a - c_b| - r_a - r_b`` exceeds this are skipped.
    window_nm : (lo, hi), keyword-only
        The gap window in which Tang et al. (2023) saw particles sinter (1-2 nm),
        doi:10.3390/nano13243082; ``in_window`` is 1 inside it.

    Returns
    -------
    list of dict with ``PAIR_COLUMNS``. The gap is measured between outlines at the
    segmentation level, which lie slightly inside the silhouettes of rounded particles, so it
    is an upper bound (by ~2 x the outline bias; see ``docs/analysis.md``); ``gap_nm_err``
    is one pixel.
    """
    ps = float(pixel_size_nm)
    rows = []
    if len(particles) < 2:
        return rows
    xy = np.array([[p["x_nm"], p["y_nm"]] for p in particles])
    rad = np.array([p["equivalent_diameter_nm"] / 2 for p in particles])
    tree = cKDTree(xy)
    reach = 2 * float(rad.max()) + max_gap_nm
    trees: dict[int, cKDTree] = {}
    for i, j in sorted(tree.query_pairs(reach)):
        a, b = particles[i], particles[j]
        est = math.hypot(*(xy[i] - xy[j])) - rad[i] - rad[j]
        if est > max_gap_nm:
            continue
        oa, ob = outlines.get(a["label"]), outlines.get(b["label"])
        if oa is None or ob is None:
            continue
        if a["label"] not in trees:
            trees[a["label"]] = cKDTree(oa)
        dist, _ = trees[a["label"]].query(ob)
        gap = float(dist.min()) * ps
        rows.append({
            "track_id_a": a.get("track_id", a["label"]),
            "track_id_b": b.get("track_id", b["label"]),
            "gap_nm": gap,
            "gap_nm_err": ps,
            "in_window": int(window_nm[0] <= gap <= window_nm[1]),
        })
    return rows
