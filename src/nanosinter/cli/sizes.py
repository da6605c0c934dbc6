"""``nanosinter sizes IMAGE``: particle size distribution of an overview image."""

from __future__ import annotations

import argparse

description = (
    "Count the particles of one overview image and measure their equivalent diameters "
    "(2 sqrt(area / pi)); touching particles are separated by a watershed. Prints count, mean "
    "and standard deviation (the paper's Figure 1a: mean 15.4 nm)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", help="image or movie file (one frame is measured)")
    parser.add_argument(
        "--pixel-size-nm", type=float, default=None, help="pixel size in nm (overrides the file)"
    )
    parser.add_argument("--frame", type=int, default=0, help="frame of a movie (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--exclude-border", action="store_true", help="leave out particles cut by the border"
    )
    parser.add_argument(
        "--edge-correction", choices=("none", "sphere"), default="none",
        help="none: outline at the detection level, as hand-drawn masks (default); sphere: "
        "undo its inward bias for spheres in mass-thickness contrast",
    )
    parser.add_argument("--plot", default=None, metavar="PNG", help="write a histogram PNG")


def run(args: argparse.Namespace) -> int:
    from nanosinter._json import dumps
    from nanosinter.analysis import size_distribution
    from nanosinter.errors import InputError
    from nanosinter.io import read_movie

    movie = read_movie(args.image, pixel_size_nm=args.pixel_size_nm, lazy=None)
    if not 0 <= args.frame < movie.n_frames:
        raise InputError(f"--frame {args.frame} outside 0..{movie.n_frames - 1}")
    res = size_distribution(movie.frame(args.frame), pixel_size_nm=movie.pixel_size_nm,
                            exclude_border=args.exclude_border,
                            edge_correction=args.edge_correction)
    if args.plot:
        _histogram(res, args.plot)
        res["plot"] = str(args.plot)
    if args.json:
        print(dumps(res))
        return 0
    unit, key = ("nm", "_nm") if res["pixel_size_nm"] else ("px", "_px")
    mean, std = res[f"mean_diameter{key}"], res[f"std_diameter{key}"]
    print(f"count: {res['count']}")
    print(f"mean equivalent diameter: {mean:.4g} {unit} (std {std:.3g} {unit})"
          if res["count"] else "mean equivalent diameter: undefined (no particle)")
    if not res["pixel_size_nm"]:
        print("pixel size unknown: diameters in pixels (pass --pixel-size-nm)")
    for f in res["flags"]:
        print(f"note: {f}")
    return 0


def _histogram(res: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    from nanosinter._atomic import atomic_path

    nm = bool(res["pixel_size_nm"])
    d = res["diameters_nm"] if nm else res["diameters_px"]
    fig = Figure(figsize=(5, 3.5), dpi=110)
    ax = fig.add_subplot(111)
    if d:
        ax.hist(d, bins=max(5, min(40, len(d) // 5)), color="0.5", edgecolor="k")
        mean = res["mean_diameter_nm"] if nm else res["mean_diameter_px"]
        ax.axvline(mean, color="r", ls="--", label=f"mean {mean:.3g}")
        ax.legend()
    ax.set_xlabel("equivalent diameter (" + ("nm" if nm else "px") + ")")
    ax.set_ylabel("count")
    ax.set_title(f"{res['count']} particles", fontsize=9)
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
