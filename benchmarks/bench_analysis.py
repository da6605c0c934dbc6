"""Analysis speed and memory: frames/s end to end for 1024 x 1024 frames, peak memory vs length.

Run by hand:  .venv/bin/python benchmarks/bench_analysis.py [--frames 50 200] [--size 1024]

Each movie length runs in a fresh subprocess (peak RSS is per process). Frames are produced
on demand by a lazy frame source (a pool of 8 pre-computed bright-field frames: a sintering
dimer of r1 = 7, r2 = 6.5 nm at several stages plus 12 other particles, support texture,
blur, Poisson noise at 100 counts/pixel, 0.1 nm/px, with a drift of up to a few pixels), so
the movie is never in memory, as with a lazily read file. Timed: ``analyze_movie`` end to end
(drift, denoising, segmentation, measurements, tracking, gaps, dimer geometry, CSV writing and
4 overlay PNGs). The machine's cores may be shared: say so next to the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "analysis"))


def _pool(size: int, seed: int = 0) -> list[np.ndarray]:
    from scipy import ndimage as ndi
    from synth import dimer_sequence, projected_thickness_nm, texture_field

    from nanosinter.geometry import dimer_shape

    ps = 0.1
    rng = np.random.default_rng(seed)
    tex = texture_field((size, size), rng=rng)
    yy, xx = np.mgrid[0:size, 0:size] * ps
    extra = np.zeros((size, size))
    for _ in range(12):  # other particles (3-6 nm radius) away from the dimer
        r = rng.uniform(3.0, 6.0)
        while True:
            c = rng.uniform(r + 2, size * ps - r - 2, 2)
            if np.hypot(*(c - size * ps / 2)) > 25:
                break
        extra += 2 * np.sqrt(np.clip(r * r - (xx - c[0]) ** 2 - (yy - c[1]) ** 2, 0, None))
    seq = dimer_sequence(7.0, 6.5)
    frames = []
    for kw in seq[:: max(1, len(seq) // 8)][:8]:
        thick = extra.copy()
        box = 360
        sub = projected_thickness_nm((box, box), ps, dimer_shape(**kw),
                                     center_nm=(box * ps / 2, box * ps / 2), angle_deg=10.0)
        o = (size - box) // 2
        thick[o : o + box, o : o + box] += sub
        inten = np.exp(-thick / 52.0) * (1 + 0.04 * tex)
        inten = ndi.gaussian_filter(inten, 1.3)
        frames.append(rng.poisson(inten * 100.0).astype(np.float32))
    return frames


class LazyFrames:
    """Array-like (n, ny, nx) whose frame i is made on demand (nothing kept per frame)."""

    def __init__(self, pool: list[np.ndarray], n: int) -> None:
        self.pool, self.n = pool, n
        self.shape = (n, *pool[0].shape)
        self.dtype = pool[0].dtype
        self.ndim = 3

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> np.ndarray:
        k = len(self.pool)
        stage = min(i * k // self.n, k - 1)
        shift = (round(2 * np.sin(i / 7.0)), round(2 * np.cos(i / 9.0)))
        return np.roll(self.pool[stage], shift, axis=(0, 1))


def _one(n: int, size: int) -> dict:
    from nanosinter.analysis import analyze_movie
    from nanosinter.io import Movie

    movie = Movie(frames=LazyFrames(_pool(size), n), pixel_size_nm=0.1,
                  frame_times_s=np.arange(n, dtype=float))
    with tempfile.TemporaryDirectory() as tmp:
        s = analyze_movie(movie, tmp)
    return {k: s[k] for k in ("n_frames", "frames_per_s", "wall_s", "peak_memory_mb",
                              "contact_frame", "n_merges")} | {"size": size}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(_one(args.child, args.size)))
        return
    print(f"cores visible: {os.cpu_count()} (possibly shared with other jobs)")
    for n in args.frames:
        out = subprocess.run([sys.executable, __file__, "--child", str(n), "--size",
                              str(args.size)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['n_frames']:5d} frames {r['size']}^2: {r['frames_per_s']:6.1f} frames/s "
              f"({r['wall_s']:.1f} s), peak RSS {r['peak_memory_mb']:.0f} MB, contact frame "
              f"{r['contact_frame']}, merges {r['n_merges']}")


if __name__ == "__main__":
    main()
