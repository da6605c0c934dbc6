"""``nanosinter info FILE``: format, shape and calibration of a movie or image file."""

from __future__ import annotations

import argparse

description = (
    "Show the format, shape, dtype, pixel size and frame interval of a microscope movie or image "
    "(any format nanosinter reads: dm3/dm4, EMD, ser/emi, MRC, TIFF, blockfile, hspy, PNG frames)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="movie/image file, folder of frames, or quoted glob")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--pixel-size-nm", type=float, default=None, help="pixel size in nm (overrides the file)"
    )
    parser.add_argument(
        "--fps", type=float, default=None, help="frames per second (overrides the file)"
    )


def info_dict(movie) -> dict:
    """The ``info`` record of a :class:`nanosinter.io.Movie` (``None`` where unknown)."""
    return {
        "format": movie.metadata.get("format"),
        "shape": list(movie.shape),
        "n_frames": movie.n_frames,
        "dtype": str(movie.dtype),
        "pixel_size_nm": movie.pixel_size_nm,
        "frame_interval_s": movie.frame_interval_s,
    }


def run(args: argparse.Namespace) -> int:
    from nanosinter._json import dumps
    from nanosinter.io import read_movie

    # lazy=None: small files are read at once, large ones (> 512 MiB) lazily through dask
    movie = read_movie(args.file, pixel_size_nm=args.pixel_size_nm, fps=args.fps, lazy=None)
    rec = info_dict(movie)
    if args.json:
        print(dumps(rec))
        return 0
    for key, value in rec.items():
        print(f"{key:>17}: {'unknown' if value is None else value}")
    if movie.metadata.get("n_signals", 1) > 1:
        print(
            f"{'signal':>17}: {movie.metadata['signal_index']} "
            f"({movie.metadata.get('signal_title', '')}) of {movie.metadata['n_signals']}"
        )
    return 0
