"""Movie I/O throughput: write and read back a stack in each format, eager and lazy.

Run by hand:  .venv/bin/python benchmarks/bench_io.py [--frames 200] [--size 1024]

Prints MB/s for write_movie and read_movie (+ a full pass over the frames) per format.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from nanosinter.io import Movie, read_movie, write_movie


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--size", type=int, default=1024)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    frames = rng.poisson(100.0, size=(args.frames, args.size, args.size)).astype(np.uint16)
    mb = frames.nbytes / 1e6
    movie = Movie(frames=frames, pixel_size_nm=0.1, frame_times_s=np.arange(args.frames) * 0.5)
    print(f"stack {frames.shape} uint16 = {mb:.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".hspy", ".emd", ".tif"):
            path = Path(tmp) / f"m{suffix}"
            t = time.perf_counter()
            write_movie(movie, path)
            tw = time.perf_counter() - t
            t = time.perf_counter()
            back = read_movie(path)
            total = float(np.asarray(back.frames, dtype=np.float64).sum())
            tr = time.perf_counter() - t
            line = (f"{suffix:6s} file {path.stat().st_size / 1e6:7.0f} MB  "
                    f"write {mb / tw:7.0f} MB/s  read+sum {mb / tr:7.0f} MB/s")
            if suffix != ".tif":
                t = time.perf_counter()
                lazy = read_movie(path, lazy=True)
                total_lazy = float(lazy.frames.sum(dtype=np.float64).compute())
                tl = time.perf_counter() - t
                assert total_lazy == total
                line += f"  lazy read+sum {mb / tl:7.0f} MB/s"
            print(line)


if __name__ == "__main__":
    main()
