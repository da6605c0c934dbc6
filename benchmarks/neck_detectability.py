"""Could any analysis see the demo's young neck? Ideal-observer detectability per frame.

Run by hand after ``make demo``:
    .venv/bin/python benchmarks/neck_detectability.py [demo-output] [--every 5]
        [--dose-e-per-A2 D] [--n-frames N] [--slab-nm W]

Runs :func:`nanosinter.imaging.neck_visibility` on ``DIR/simulation`` and the movie
``DIR/movie/tang2023_dimer.hspy`` (the movie's own render settings): for each sampled
snapshot, the bridge is the atoms in the slab between the two particles that holds no atom in
frame 0, and its detectability ``d'`` is computed for the ideal observer with the support
texture known (``d_shot``, an upper bound) and unknown (``d_texture``). Rose's criterion asks
``d' >= 5``. What-ifs: ``--dose-e-per-A2`` renders at another dose per frame, ``--n-frames``
combines N frames of each snapshot's neck (the texture stays the same in all of them).

Printed per sampled snapshot: frame, time, the truth's neck radius, bridge atoms, the bridge's
peak signal and the shot noise (counts per pixel), both ``d'``, and the analysis's ``contact``
from ``DIR/analysis/dimer.csv`` when present; then the first sampled frame at which each ``d'``
reaches 5 against the truth's and the analysis's contact frames. (``make demo`` writes the same
table for every other frame to ``DIR/movie/tang2023_dimer.hspy.visibility.csv``.)

``--shell-3d`` (diagnostic) recomputes ``d_shot`` with a 3-D carbon shell around the atoms
(and the neck) instead of the renderer's rim, which lies only outside the projected outline
and so loses its carbon where a neck joins the outlines (``nanosinter.imaging._visibility``).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default="demo-output", type=Path)
    ap.add_argument("--every", type=int, default=5, help="every Nth snapshot (default 5)")
    ap.add_argument("--slab-nm", type=float, default=None,
                    help="bridge slab width (default: frame 0's atom-free gap)")
    ap.add_argument("--dose-e-per-A2", type=float, default=None,
                    help="what if: another dose per frame (default: the movie's)")
    ap.add_argument("--n-frames", type=int, default=1,
                    help="what if: this many frames of each snapshot's neck were combined")
    ap.add_argument("--shell-3d", action="store_true",
                    help="diagnostic: d_shot with a 3-D carbon shell around atoms and neck "
                         "instead of the renderer's rim outside the projected outline")
    args = ap.parse_args(argv)
    if args.shell_3d:
        return _shell_3d(args)

    from nanosinter.imaging import ROSE_D_PRIME, first_visible_frame, neck_visibility

    movie_path = args.out / "movie" / "tang2023_dimer.hspy"
    rows = neck_visibility(args.out / "simulation", movie_path, every=args.every,
                           slab_nm=args.slab_nm, dose_e_per_A2=args.dose_e_per_A2,
                           n_frames=args.n_frames)
    with open(f"{movie_path}.truth.csv", newline="") as fh:
        truth = {int(r["frame"]): r for r in csv.DictReader(fh)}
    measured = {}
    dimer_csv = args.out / "analysis" / "dimer.csv"
    if dimer_csv.is_file():
        with open(dimer_csv, newline="") as fh:
            measured = {int(r["frame"]): r for r in csv.DictReader(fh)}

    dose = args.dose_e_per_A2 or "movie's"
    print(f"{movie_path}: dose {dose} e/A^2, {args.n_frames} frame(s) per d'")
    print(f"{'frame':>5} {'t (s)':>6} {'true r':>7} {'atoms':>6} {'peak':>6} {'noise':>6} "
          f"{'d_shot':>7} {'d_tex':>6} {'measured contact':>17}")
    for r in rows:
        f = r["frame"]
        rn = truth.get(f, {}).get("neck_radius_nm", "")
        m = measured.get(f, {}).get("contact", "")
        print(f"{f:5d} {r['time_s']:6.0f} {rn[:5] or '-':>7} {r['n_bridge_atoms']:6d} "
              f"{r['peak_signal_counts']:6.1f} {r['noise_counts']:6.1f} {r['d_shot']:7.1f} "
              f"{r['d_texture']:6.1f} {m:>17}")
    true_contact = next((f for f in sorted(truth) if truth[f]["contact"] == "1"), None)
    found = next((f for f in sorted(measured) if measured[f]["contact"] == "1"), None)
    print(f"contact frame: truth {true_contact}, analysis {found}; first sampled frame with "
          f"d' >= {ROSE_D_PRIME:g}: d_shot {first_visible_frame(rows, 'd_shot')}, "
          f"d_texture {first_visible_frame(rows, 'd_texture')} (None: never; max d_texture "
          f"{max(r['d_texture'] for r in rows):.1f})")
    return 0


def _shell_3d(args) -> int:
    """``d_shot`` of the bridge with a 3-D carbon shell (voxels of 0.2 nm: every point within
    ``rim_thickness_nm`` of the atoms' solid, projected along the beam) in place of the
    renderer's rim, which lies only outside the projected outline: there a neck that joins the
    outlines takes the rims' carbon out of the gap, while a real shell also wraps the neck."""
    from dataclasses import fields

    import numpy as np
    from scipy import ndimage as ndi

    from nanosinter.imaging import FrameRenderer, RenderSettings
    from nanosinter.imaging._contrast import CARBON_ATOMS_PER_NM3
    from nanosinter.imaging._movie import _atomic_numbers, grid_for_snapshots
    from nanosinter.imaging._render import _FWHM_PER_SIGMA
    from nanosinter.imaging._visibility import _empty_slab, _line_of_centres
    from nanosinter.io import read_movie
    from nanosinter.kmc.snapshots import read_index, read_snapshot

    movie_path = args.out / "movie" / "tang2023_dimer.hspy"
    given = read_movie(movie_path).original_metadata["nanosinter_render"]["parameters"][
        "settings"]
    names = {f.name for f in fields(RenderSettings)}
    s = RenderSettings(**{k: v for k, v in given.items() if k in names})
    rows = read_index(args.out / "simulation")
    first, last = read_snapshot(rows[0][3]), read_snapshot(rows[-1][3])
    grid = grid_for_snapshots([first, last], s)
    ren = FrameRenderer(grid, s, rng=0)
    xy0 = np.asarray(first.positions_nm, float)[:, :2]
    cent, u = _line_of_centres(xy0)
    mid, half = _empty_slab((xy0 - cent[0]) @ u, float((cent[1] - cent[0]) @ u))
    vox, w, ps = 0.2, s.rim_thickness_nm, s.pixel_size_nm
    ny, nx = grid.shape

    def shell_nm(pos):
        lo = np.array([grid.x0_nm, grid.y0_nm, pos[:, 2].min() - w - 0.6])
        nz = int(np.ceil((pos[:, 2].max() + w + 0.6 - lo[2]) / vox))
        shape = (int(np.ceil(nx * ps / vox)), int(np.ceil(ny * ps / vox)), nz)
        idx = np.floor((pos - lo) / vox).astype(int)
        occ = np.zeros(shape, bool)
        occ[idx[:, 0], idx[:, 1], idx[:, 2]] = True
        dist = ndi.distance_transform_edt(~occ) * vox
        shell = (dist <= 0.3 + w) & (dist > 0.3)  # 0.3 nm: the atoms' solid
        shell[:, :, : int(np.ceil((w + 0.6) / vox))] = False  # not below the support
        proj = ndi.zoom((shell.sum(axis=2) * vox).T, vox / ps, order=1)[:ny, :nx]
        out = np.zeros((ny, nx))
        out[: proj.shape[0], : proj.shape[1]] = proj
        return out

    def expected(pos, Z):
        tau_p, _ = ren._tau(pos, ren.species_cross_sections(Z), (0.0, 0.0))
        tau = tau_p + CARBON_ATOMS_PER_NM3 * ren._sigma_carbon * (s.support_thickness_nm
                                                                  + shell_nm(pos))
        img = ndi.gaussian_filter(np.exp(-tau), s.resolution_nm / _FWHM_PER_SIGMA / ps,
                                  mode="nearest")
        return img * s.counts_per_pixel

    print(f"{movie_path}: d_shot of the bridge with a 3-D carbon shell ({w:g} nm)")
    for k, (_i, t, _ev, path) in enumerate(rows):
        if k % args.every and k != 1:
            continue
        snap = read_snapshot(path)
        pos = np.asarray(snap.positions_nm, float)
        Z = _atomic_numbers(snap)
        feat = np.abs((pos[:, :2] - cent[0]) @ u - mid) < half
        if not feat.any():
            print(f"{k:5d} {t:6.0f}   d_shot 0.0")
            continue
        e0 = expected(pos[~feat], Z[~feat])
        delta = expected(pos, Z) - e0
        print(f"{k:5d} {t:6.0f}   d_shot {np.sqrt(np.sum(delta ** 2 / e0)):5.1f}   "
              f"(signal {delta.min():+.1f} .. {delta.max():+.1f} counts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
