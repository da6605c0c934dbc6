"""``nanosinter visibility``: could any analysis see a neck of this size at this dose?"""

from __future__ import annotations

import argparse

description = (
    "Plan the dose: the ideal observer's detectability d' of a neck of given radius bridging "
    "two zinc-blende spheres a gap apart, rendered as a bright-field frame (mass-thickness "
    "contrast, support texture, carbon rim, blur, shot noise), with the support texture known "
    "(an upper bound) and unknown; Rose's d' >= 5 counts as seen."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--radius-nm", type=float, default=7.7,
                        help="particle radius (default 7.7 nm: the paper's 15.4 nm particles)")
    parser.add_argument("--gap-nm", type=float, default=1.3,
                        help="surface-to-surface gap the neck bridges (default 1.3 nm)")
    parser.add_argument("--neck-nm", type=float, nargs="+", default=[0.5, 1.0, 1.5, 2.0, 3.0],
                        help="neck radii (default 0.5 1 1.5 2 3 nm)")
    parser.add_argument("--dose-e-per-A2", type=float, nargs="+", default=[100.0],
                        help="electrons per A^2 per frame (default 100)")
    parser.add_argument("--frames", type=int, default=1,
                        help="frames of the same neck combined (default 1; the texture is the "
                             "same in all of them)")
    parser.add_argument("--material", choices=("CdS", "CdSe"), default="CdS",
                        help="zinc-blende CdS (the paper's shell; default) or CdSe")
    parser.add_argument("--pixel-size-nm", type=float, default=0.1, help="default 0.1 nm")
    parser.add_argument("--texture-contrast", type=float, default=0.04,
                        help="support-texture rms contrast (default 0.04; 0: none)")
    parser.add_argument("--resolution-nm", type=float, default=0.3,
                        help="FWHM of the blur (default 0.3 nm)")
    parser.add_argument("--rim-nm", type=float, default=1.0,
                        help="carbon-rim thickness (default 1 nm; 0: none)")
    parser.add_argument("--beam-energy-keV", type=float, default=300.0, help="default 300 keV")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from nanosinter._json import dumps
    from nanosinter.errors import InputError
    from nanosinter.imaging import RenderSettings
    from nanosinter.imaging._visibility import ROSE_D_PRIME, neck_detectability_table

    if args.frames < 1:
        raise InputError(f"--frames must be >= 1, got {args.frames}")
    settings = RenderSettings(pixel_size_nm=args.pixel_size_nm,
                              texture_contrast=args.texture_contrast,
                              resolution_nm=args.resolution_nm, rim_thickness_nm=args.rim_nm,
                              beam_energy_keV=args.beam_energy_keV)
    rows = neck_detectability_table(args.radius_nm, args.gap_nm, args.neck_nm,
                                    args.dose_e_per_A2, material=args.material,
                                    settings=settings, n_frames=args.frames)
    if args.json:
        print(dumps({"radius_nm": args.radius_nm, "gap_nm": args.gap_nm,
                     "material": args.material, "frames": args.frames,
                     "rose_d_prime": ROSE_D_PRIME, "rows": rows}))
        return 0
    print(f"{args.material} spheres r = {args.radius_nm:g} nm, gap {args.gap_nm:g} nm, "
          f"{args.frames} frame(s); d' of the neck for the ideal observer (Rose: >= "
          f"{ROSE_D_PRIME:g})")
    print(f"{'neck (nm)':>9} {'dose (e/A^2)':>12} {'atoms':>6} {'peak/noise':>11} "
          f"{'d texture known':>15} {'d unknown':>9}  seen")
    for r in rows:
        print(f"{r['neck_nm']:9.2f} {r['dose_e_per_A2']:12g} {r['n_neck_atoms']:6d} "
              f"{r['peak_signal_counts']:5.1f}/{r['noise_counts']:<5.1f} {r['d_shot']:15.1f} "
              f"{r['d_texture']:9.1f}  {'yes' if r['seen'] else 'no'}")
    return 0
