"""``nanosinter analyze MOVIE --out DIR``: measure sintering in an in-situ TEM movie."""

from __future__ import annotations

import argparse

description = (
    "Measure a sintering movie frame by frame (streaming): drift, denoising, particle "
    "segmentation, tracking with merge/split events, gaps between neighbours and the dimer "
    "geometry r1, r2, neck radius r, neck curvature radius R, centre distance, gap, volume and "
    "contact, each with an uncertainty. Writes DIR/particles.csv, events.csv, pairs.csv, "
    "frames.csv, dimer.csv (same column names as the KMC observables), overlay PNGs and "
    "analysis.json."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("movie", help="movie file, folder of frames, or quoted glob")
    parser.add_argument("--out", required=True, help="output folder (created if needed)")
    parser.add_argument(
        "--pixel-size-nm", type=float, default=None, help="pixel size in nm (overrides the file)"
    )
    parser.add_argument(
        "--fps", type=float, default=None, help="frames per second (overrides the file)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--overlay-frames", type=int, nargs="+", default=None, metavar="N",
        help="frames to draw with the fitted circles (default: 4 evenly spaced + contact)",
    )
    parser.add_argument(
        "--method", choices=("profile", "outline", "model"), default="profile",
        help="dimer measurement (default profile; see docs/analysis.md)",
    )
    parser.add_argument(
        "--denoise", choices=("gaussian", "median", "none"), default="gaussian",
        help="denoising before segmentation (default gaussian)",
    )
    parser.add_argument(
        "--subtract-texture", action=argparse.BooleanOptionalAction, default=None,
        help="estimate the support texture in the gap from the frames in which the lobes are "
             "farther apart than --texture-min-gap-nm and subtract it before the neck fits "
             "(default on; without such frames nothing is subtracted; docs/analysis.md)",
    )
    parser.add_argument(
        "--texture-min-gap-nm", type=float, default=None, metavar="G",
        help="frames give the texture estimate until the fitted gap first falls to G or "
             "contact (default 2: the paper's sintering window, a neck may bridge a "
             "narrower gap)",
    )
    parser.add_argument(
        "--rim-model-nm", type=float, default=None, metavar="T",
        help="carbon-shell thickness in the neck model of touching lobes (default 1; 0: "
             "no shell, the blur absorbs the rim; docs/analysis.md)",
    )
    parser.add_argument(
        "--contact-backfill-nm", type=float, default=None, metavar="T",
        help="frames just before the first contact whose fitted gap is within T of the "
             "touching lobes' gap level in the contact frames are in contact too (default "
             "0.15; 0: off; docs/analysis.md)",
    )
    parser.add_argument(
        "--gls-gap", action=argparse.BooleanOptionalAction, default=None,
        help="decide whether the lobes touch from both lobes refitted with the gap included, "
             "weighted by the support's measured noise (default on; docs/analysis.md)",
    )
    parser.add_argument(
        "--gls-report", action=argparse.BooleanOptionalAction, default=None,
        help="report r1, r2 and the lobe centres with the whitened fit's offsets from the "
             "pixel-picked lobe fit (default off: helps round particles, not faceted ones; "
             "needs --gls-gap; docs/analysis.md)",
    )
    parser.add_argument(
        "--bridge-dchi2", type=float, default=None, metavar="T",
        help="decide a neck bridging lobes apart by the whole dimer's likelihood-ratio test: "
             "a bridge where a neck lowers the noise-whitened sum of squares by more than T "
             "(20 is the calibrated value; default 0: the excess test; ~0.15 s per candidate "
             "frame; docs/analysis.md)",
    )
    parser.add_argument(
        "--touch-gap-nm", type=float, default=None, metavar="G",
        help="lobes whose whitened gap is below G are in contact without a neck test "
             "(default 0.2; 0: off)",
    )
    parser.add_argument(
        "--merge-confirm-frames", type=int, default=None, metavar="N",
        help="a merge is written once the joined body has lasted N frames; a join that "
             "parts again before then keeps the parents' ids and leaves no event (default 8; "
             "0: every join and part)",
    )
    parser.add_argument("--no-dimer", action="store_true", help="skip the dimer geometry")
    parser.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help="processes for the per-frame steps (default: all cores; 1: no pool)",
    )
    parser.add_argument(
        "--report", action="store_true",
        help="then fit the kinetics and write OUT/report.html (as 'nanosinter report OUT')",
    )


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from nanosinter._json import dumps
    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.errors import InputError
    from nanosinter.io import read_movie

    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be >= 1, got {args.workers}")
    def given(**kw):
        # Options not given keep the defaults of AnalysisOptions / DimerOptions (one source).
        return {k: v for k, v in kw.items() if v is not None}

    opt = AnalysisOptions()  # options are checked before the movie is opened
    opt = replace(
        opt,
        segment=replace(opt.segment, denoise=args.denoise),
        dimer=replace(opt.dimer, method=args.method,
                      **given(subtract_texture=args.subtract_texture, rim_nm=args.rim_model_nm,
                              texture_min_gap_nm=args.texture_min_gap_nm,
                              contact_backfill_nm=args.contact_backfill_nm,
                              gls_gap=args.gls_gap, gls_report=args.gls_report,
                              touch_gap_nm=args.touch_gap_nm,
                              gls_bridge_dchi2=args.bridge_dchi2)),
        dimer_enabled=not args.no_dimer,
        overlay_frames=tuple(args.overlay_frames) if args.overlay_frames else None,
        workers=args.workers,
        **given(merge_confirm_frames=args.merge_confirm_frames),
    )
    movie = read_movie(args.movie, pixel_size_nm=args.pixel_size_nm, fps=args.fps, lazy=None)
    summary = analyze_movie(
        movie, args.out, pixel_size_nm=args.pixel_size_nm, fps=args.fps, options=opt,
        provenance_inputs={"movie": args.movie},
    )
    if args.report:
        from pathlib import Path

        from nanosinter.report import write_report

        # write_report finds MOVIE.truth.csv beside a rendered movie by itself.
        summary["files"]["report"] = str(write_report(
            args.out, Path(args.out) / "report.html",
            movie=args.movie if Path(args.movie).exists() else None))
    if args.json:
        print(dumps(summary))
        return 0
    cf = summary["contact_frame"]
    print(f"{summary['n_frames']} frames ({summary['frame_shape'][0]}x"
          f"{summary['frame_shape'][1]}) at {summary['pixel_size_nm']:.4g} nm/px, "
          f"{summary['frames_per_s']:.1f} frames/s, peak memory "
          f"{summary['peak_memory_mb']:.0f} MB")
    print(f"contact frame: {'none' if cf is None else cf}; merges: {summary['n_merges']}, "
          f"splits: {summary['n_splits']}; flagged frames: {summary['n_flagged_frames']}")
    for key, path in summary["files"].items():
        if key != "overlays":
            print(f"{key:>10}: {path}")
    print(f"{'overlays':>10}: {len(summary['files']['overlays'])} PNG")
    return 0
