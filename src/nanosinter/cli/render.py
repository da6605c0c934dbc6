"""``nanosinter render SIMDIR --out MOVIE``: a synthetic bright-field movie with ground truth."""

from __future__ import annotations

import argparse

description = (
    "Render the KMC snapshots of a simulation folder as a bright-field in-situ TEM movie "
    "(mass-thickness contrast, support texture, carbon rim, blur, drift, shot noise) and write "
    "MOVIE plus MOVIE.truth.csv / MOVIE.truth.npz (noise-free geometry, outlines, drift)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("simdir", help="simulation folder with snapshots/index.csv")
    parser.add_argument(
        "--out", required=True, help="movie file: .hspy, .h5, .emd or .tif (ImageJ)"
    )
    parser.add_argument("--pixel-size-nm", type=float, default=0.1, help="default 0.1 nm")
    parser.add_argument(
        "--fps", type=float, default=1.0, help="frames per second of simulated time (default 1)"
    )
    parser.add_argument(
        "--dose-e-per-A2", type=float, default=100.0, help="electrons per Å^2 per frame (100)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--fov-nm", type=float, nargs=2, metavar=("HEIGHT", "WIDTH"), default=None,
        help="field of view in nm (default: the atoms plus 5 nm on each side)",
    )
    parser.add_argument("--beam-energy-keV", type=float, default=300.0, help="default 300 keV")
    parser.add_argument(
        "--drift-nm-per-frame", type=float, default=0.1, help="rms drift step per axis (0.1 nm)"
    )
    parser.add_argument(
        "--resolution-nm", type=float, default=0.3, help="FWHM of the blur (0.3 nm)"
    )
    parser.add_argument(
        "--fringe-contrast", type=float, default=0.0,
        help="lattice-fringe amplitude (0 = off; ~0.2 with --resolution-nm 0.1 for HRTEM)",
    )
    parser.add_argument("--no-rim", action="store_true", help="no carbon rim")
    parser.add_argument(
        "--rim-model", choices=("outline", "shell"), default="outline",
        help="outline: the rim outside the projected outline (default, fast); shell: a 3-D "
             "carbon shell around the atoms, also in front of and behind them (wraps necks)",
    )
    parser.add_argument("--max-frames", type=int, default=5000, help="refuse longer movies")
    parser.add_argument(
        "--neck-visibility", type=int, nargs="?", const=1, default=None, metavar="EVERY",
        help="also write MOVIE.visibility.csv: the ideal observer's d' of the bridge between "
             "two particles in every EVERY-th snapshot (default every one; "
             "nanosinter.imaging.neck_visibility); the report plots it",
    )


def run(args: argparse.Namespace) -> int:
    from nanosinter._json import dumps
    from nanosinter.errors import InputError
    from nanosinter.imaging import RenderSettings, render_movie

    if args.neck_visibility is not None and args.neck_visibility < 1:
        raise InputError(f"--neck-visibility must be >= 1, got {args.neck_visibility}")

    settings = RenderSettings(
        fov_nm=tuple(args.fov_nm) if args.fov_nm else None,
        beam_energy_keV=args.beam_energy_keV,
        drift_nm_per_frame=args.drift_nm_per_frame,
        resolution_nm=args.resolution_nm,
        fringe_contrast=args.fringe_contrast,
        rim_thickness_nm=0.0 if args.no_rim else RenderSettings.rim_thickness_nm,
        rim_model=args.rim_model,
    )
    paths = render_movie(
        args.simdir,
        args.out,
        pixel_size_nm=args.pixel_size_nm,
        fps=args.fps,
        dose_e_per_A2=args.dose_e_per_A2,
        seed=args.seed,
        settings=settings,
        max_frames=args.max_frames,
    )
    if args.neck_visibility is not None:
        from dataclasses import replace

        from nanosinter.imaging import neck_visibility, visibility_path, write_neck_visibility

        used = replace(settings, pixel_size_nm=float(args.pixel_size_nm),
                       dose_e_per_A2=float(args.dose_e_per_A2))
        rows = neck_visibility(args.simdir, paths["movie"], every=args.neck_visibility,
                               settings=used)
        paths["visibility_csv"] = write_neck_visibility(rows, visibility_path(paths["movie"]))
    print(dumps({k: str(v) for k, v in paths.items()}))
    return 0
