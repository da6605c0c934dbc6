"""``nanosinter report DIR --out report.html``: the study report as one self-contained page."""

from __future__ import annotations

import argparse
from pathlib import Path

description = (
    "write one self-contained HTML report (movie preview, Fig. 3f-h, fits, mechanism verdict, "
    "beam budget, accuracy against truth, provenance) from an analysis folder"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR",
                        help="analysis folder (from 'nanosinter analyze'; needs dimer.csv)")
    parser.add_argument("--out", type=Path, default=None, metavar="HTML",
                        help="report file (default DIR/report.html)")
    parser.add_argument("--movie", type=Path, default=None, metavar="MOVIE",
                        help="the analysed movie for the preview (default: the one recorded "
                             "in DIR/analysis.json); MOVIE.truth.csv beside it is the truth")
    parser.add_argument("--sim", type=Path, default=None, metavar="SIMDIR",
                        help="simulation folder (truth curves, beam and temperature)")
    parser.add_argument("--truth", type=Path, default=None, metavar="CSV",
                        help="ground-truth dimer table on the movie's frames")
    parser.add_argument("--beam-energy-keV", type=float, default=None,
                        help="beam energy (default: the simulation's, else 300)")
    parser.add_argument("--dose-rate-e-per-A2-s", type=float, default=None,
                        help="electron flux of the beam budget (default: the simulation's, "
                             "else 1000, assumed)")
    parser.add_argument("--title", default=None, help="page title")
    parser.add_argument("--bootstrap", type=int, default=500, metavar="N",
                        help="bootstrap resamples of the fits (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")


def run(args: argparse.Namespace) -> int:
    from nanosinter.report import write_report

    out = args.out if args.out is not None else args.dir / "report.html"
    path = write_report(
        args.dir, out, movie=args.movie, sim_dir=args.sim, truth_csv=args.truth,
        beam_energy_keV=args.beam_energy_keV, dose_rate_e_per_A2_s=args.dose_rate_e_per_A2_s,
        title=args.title, n_boot=args.bootstrap, seed=args.seed,
    )
    print(str(Path(path).resolve()))
    return 0
