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

``--shell-3d`` recomputes both with the renderer's 3-D carbon shell around the atoms and the
neck (``RenderSettings.rim_model = "shell"``) instead of the movie's rim, which lies only
outside the projected outline and so loses its carbon where a neck joins the outlines.
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
                    help="what if: the renderer's 3-D carbon shell (RenderSettings.rim_model "
                         "'shell') instead of the movie's rim outside the projected outline")
    args = ap.parse_args(argv)

    from dataclasses import replace

    from nanosinter.imaging import ROSE_D_PRIME, first_visible_frame, neck_visibility
    from nanosinter.imaging._visibility import render_settings_of

    movie_path = args.out / "movie" / "tang2023_dimer.hspy"
    settings = render_settings_of(movie_path)
    if args.shell_3d:
        settings = replace(settings, rim_model="shell")
    rows = neck_visibility(args.out / "simulation", movie_path, every=args.every,
                           slab_nm=args.slab_nm, dose_e_per_A2=args.dose_e_per_A2,
                           n_frames=args.n_frames, settings=settings)
    with open(f"{movie_path}.truth.csv", newline="") as fh:
        truth = {int(r["frame"]): r for r in csv.DictReader(fh)}
    measured = {}
    dimer_csv = args.out / "analysis" / "dimer.csv"
    if dimer_csv.is_file():
        with open(dimer_csv, newline="") as fh:
            measured = {int(r["frame"]): r for r in csv.DictReader(fh)}

    dose = args.dose_e_per_A2 or "movie's"
    print(f"{movie_path}: dose {dose} e/A^2, {args.n_frames} frame(s) per d', rim model "
          f"{settings.rim_model}")
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


if __name__ == "__main__":
    sys.exit(main())
