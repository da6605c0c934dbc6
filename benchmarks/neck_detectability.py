"""Could any analysis see the demo's young neck? Ideal-observer detectability per frame.

Run by hand after ``make demo``:
    .venv/bin/python benchmarks/neck_detectability.py [demo-output] [--every 5]

For each snapshot of ``DIR/simulation`` rendered into ``DIR/movie/tang2023_dimer.hspy`` (the
movie's own render settings, read from its metadata), the *bridge* is the atoms in the slab
between the two particles: across the line joining the two particles' centres (2-means of frame 0's
atoms), the widest slab that holds no atom in frame 0 (``--slab-nm`` sets another width about
the same plane). Its detectability ``d'`` in one frame is computed
by :func:`nanosinter.imaging.feature_detectability`: ``d_shot`` (support texture known; an
upper bound) and ``d_texture`` (support texture unknown). Rose's criterion asks ``d' >= 5``.
What-ifs: ``--dose-e-per-A2 D`` renders at another dose per frame, ``--n-frames N`` combines N
frames of each snapshot's neck (the texture stays the same in all of them).

Printed per snapshot: time, the truth's neck radius, bridge atoms, the bridge's peak signal
and the shot noise (counts per pixel), both ``d'``, and the analysis's ``contact`` from
``DIR/analysis/dimer.csv`` when present; then the first frame at which each ``d'`` reaches 5
against the truth's and the analysis's contact frames. The slab removes the bridge's core
only (not the fillets beside it), so the numbers are a slight underestimate of the whole
neck's visibility.

Two-frame observers are bracketed by the two columns: a neck-free view of the same support
(here only frame 0) cancels the texture at the cost of its own shot noise, ``d_shot / sqrt 2``
at best, and only if the lobes did not change in between.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import fields, replace
from pathlib import Path

import numpy as np


def _settings(movie_path: Path):
    from nanosinter.imaging import RenderSettings
    from nanosinter.io import read_movie

    movie = read_movie(movie_path)
    rec = movie.original_metadata.get("nanosinter_render", {}).get("parameters", {})
    given = rec.get("settings", {})
    names = {f.name for f in fields(RenderSettings)}
    kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in given.items() if k in names}
    return RenderSettings(**kw), movie.n_frames


def _axis(positions_nm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and unit direction of the line through the two particles' centres (2-means)."""
    from scipy.cluster.vq import kmeans2

    xy = positions_nm[:, :2].astype(np.float64)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    along = int(np.argmax(hi - lo))
    init = np.array([xy.mean(axis=0), xy.mean(axis=0)])
    init[0, along], init[1, along] = lo[along] + (hi - lo)[along] / 4, hi[along] - (hi - lo)[
        along] / 4
    cent, _ = kmeans2(xy, init, minit="matrix", iter=20)
    u = cent[1] - cent[0]
    return cent, u / np.linalg.norm(u)


def _empty_slab(positions_nm, cent, u) -> tuple[float, float]:
    """Centre and half-width of the widest atom-free slab between the centres (frame 0)."""
    s = (positions_nm[:, :2] - cent[0]) @ u
    length = float((cent[1] - cent[0]) @ u)
    hist, edges = np.histogram(s, bins=np.arange(0.25 * length, 0.75 * length, 0.05))
    best, start = (0, 0), None
    for k, h in enumerate(np.append(hist, 1)):
        if h == 0 and start is None:
            start = k
        elif h and start is not None:
            if k - start > best[1] - best[0]:
                best = (start, k)
            start = None
    lo, hi = edges[best[0]], edges[best[1]]
    return 0.5 * (lo + hi), 0.5 * (hi - lo)


def _bridge(positions_nm, cent, u, mid, half_nm):
    """Atoms within ``half_nm`` of the plane at ``mid`` along ``u``."""
    s = (positions_nm[:, :2] - cent[0]) @ u
    return np.abs(s - mid) < half_nm


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default="demo-output", type=Path)
    ap.add_argument("--every", type=int, default=5, help="every Nth snapshot (default 5)")
    ap.add_argument("--slab-nm", type=float, default=None,
                    help="bridge slab width (default: frame 0's atom-free gap)")
    ap.add_argument("--dose-e-per-A2", type=float, default=None,
                    help="what if: another dose per frame (default: the movie's)")
    ap.add_argument("--n-frames", type=int, default=1,
                    help="what if: this many frames of each snapshot's neck were averaged")
    args = ap.parse_args(argv)

    from nanosinter.imaging import ROSE_D_PRIME, FrameRenderer, feature_detectability
    from nanosinter.imaging._movie import _atomic_numbers, grid_for_snapshots
    from nanosinter.kmc.snapshots import read_index, read_snapshot

    movie_path = args.out / "movie" / "tang2023_dimer.hspy"
    settings, n_frames = _settings(movie_path)
    if args.dose_e_per_A2 is not None:
        settings = replace(settings, dose_e_per_A2=args.dose_e_per_A2)
    with open(f"{movie_path}.truth.csv", newline="") as fh:
        truth = list(csv.DictReader(fh))
    measured = None
    dimer_csv = args.out / "analysis" / "dimer.csv"
    if dimer_csv.is_file():
        with open(dimer_csv, newline="") as fh:
            measured = {int(r["frame"]): r for r in csv.DictReader(fh)}
    rows = read_index(args.out / "simulation")
    first, last = read_snapshot(rows[0][3]), read_snapshot(rows[-1][3])
    grid = grid_for_snapshots([first, last], settings)
    renderer = FrameRenderer(grid, settings, rng=0)
    cent, u = _axis(first.positions_nm)
    mid, half = _empty_slab(first.positions_nm, cent, u)
    slab = 2 * half if args.slab_nm is None else args.slab_nm
    frame_of_snapshot = {int(r["snapshot_index"]): int(r["frame"]) for r in truth}

    print(f"{movie_path}: {settings.dose_e_per_A2:g} e/A^2, {settings.pixel_size_nm:g} nm/px, "
          f"texture {settings.texture_contrast:g}, bridge slab {slab:.2f} nm, "
          f"{args.n_frames} frame(s) per d'")
    print(f"{'frame':>5} {'t (s)':>6} {'true r':>7} {'atoms':>6} {'peak':>6} {'noise':>6} "
          f"{'d_shot':>7} {'d_tex':>6} {'measured contact':>17}")
    first_seen = {"d_shot": None, "d_texture": None}
    for i, t, _ev, path in rows:
        if i % args.every and i != 1:
            continue
        snap = read_snapshot(path)
        feat = _bridge(snap.positions_nm, cent, u, mid, slab / 2)
        det = feature_detectability(renderer, snap.positions_nm, _atomic_numbers(snap), feat,
                                    rim_thickness_nm=snap.carbon_shell_nm,
                                    n_frames=args.n_frames)
        f = frame_of_snapshot.get(int(i))
        tr = truth[f] if f is not None else {}
        rn = tr.get("neck_radius_nm", "")
        m = measured.get(f, {}).get("contact", "") if measured and f is not None else ""
        print(f"{f if f is not None else '-':>5} {t:6.0f} {rn[:5] or '-':>7} "
              f"{det.n_feature_atoms:6d} {det.peak_signal_counts:6.1f} "
              f"{det.noise_counts:6.1f} {det.d_shot:7.1f} {det.d_texture:6.1f} {m:>17}")
        for key in first_seen:
            if first_seen[key] is None and getattr(det, key) >= ROSE_D_PRIME and f is not None:
                first_seen[key] = f
    true_contact = next((int(r["frame"]) for r in truth if r["contact"] == "1"), None)
    found = (next((k for k in sorted(measured) if measured[k]["contact"] == "1"), None)
             if measured else None)
    print(f"contact frame: truth {true_contact}, analysis {found}; first sampled frame with "
          f"d' >= {ROSE_D_PRIME:g}: d_shot {first_seen['d_shot']}, "
          f"d_texture {first_seen['d_texture'] or 'never'} (of {n_frames} frames, every "
          f"{args.every}th sampled)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
