"""Analysis speed and memory: frames/s end to end for 1024 x 1024 frames, peak memory vs length.

Run by hand:  .venv/bin/python benchmarks/bench_analysis.py [--frames 50 200] [--size 1024]
              [--workers N] [--repeat K]
Profile:      .venv/bin/python benchmarks/bench_analysis.py --profile-stage 50
              (cProfile of one worker's per-frame work, in one process)

Each movie length runs in a fresh subprocess (peak RSS is per process). Frames are produced
on demand by a lazy frame source (a pool of 8 pre-computed bright-field frames: a sintering
dimer of r1 = 7, r2 = 6.5 nm at several stages plus 12 other particles, support texture,
blur, Poisson noise at 100 counts/pixel, 0.1 nm/px, with a drift of up to a few pixels), so
the movie is never in memory, as with a lazily read file. Timed: ``analyze_movie`` end to end
(drift, denoising, segmentation, measurements, tracking, gaps, dimer geometry, CSV writing and
4 overlay PNGs) with ``AnalysisOptions(workers=N)`` (default: all cores).

Besides the wall-clock frames/s, the CPU seconds per frame of the calling process (drift,
tracking, dimer geometry: sequential) and of all processes together are reported. On a
machine shared with other jobs the wall clock understates the speed; the CPU figures give
the rate two idle cores would reach, ``1 / max(main CPU per frame, total CPU per frame / 2)``
("2-core bound"). Peak RSS: the calling process plus each worker (an upper bound: pages the
forked processes share are counted in each).

``--repeat K`` runs each length K times (fresh processes, interleaved) and adds a line with the
median and the best wall-clock frames/s: on a virtual machine shared with other tenants the
same code varies by +-15 % from run to run (steal time; the CPU seconds per frame vary too).
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


def _cpu(who) -> float:
    import resource

    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _one(n: int, size: int, workers: int | None) -> dict:
    import resource

    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.io import Movie

    movie = Movie(frames=LazyFrames(_pool(size), n), pixel_size_nm=0.1,
                  frame_times_s=np.arange(n, dtype=float))
    c_self, c_kids = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        s = analyze_movie(movie, tmp, options=AnalysisOptions(workers=workers))
    main = _cpu(resource.RUSAGE_SELF) - c_self
    total = main + _cpu(resource.RUSAGE_CHILDREN) - c_kids
    return {k: s[k] for k in ("n_frames", "frames_per_s", "wall_s", "peak_memory_mb",
                              "peak_memory_main_mb", "peak_memory_workers_mb",
                              "workers",
                              "contact_frame", "n_merges")} | {
        "size": size, "main_cpu_ms_per_frame": 1e3 * main / n,
        "total_cpu_ms_per_frame": 1e3 * total / n}


def _profile_stage(n: int, size: int, top: int = 25) -> None:
    """cProfile of one worker's per-frame work (``_FrameStage``: read, repair, drift
    transform, segmentation, particle measurements, dimer geometry) over ``n`` frames spread
    over a 200-frame benchmark movie, in this process; prints CPU ms per frame (profiler
    overhead included) and the most expensive calls."""
    import cProfile
    import pstats
    import time
    from dataclasses import replace

    from nanosinter.analysis._drift import DriftTracker
    from nanosinter.analysis._pipeline import AnalysisOptions, _detection_bin, _FrameStage
    from nanosinter.io import Movie

    ps, length = 0.1, 200
    movie = Movie(frames=LazyFrames(_pool(size), length), pixel_size_nm=ps,
                  frame_times_s=np.arange(length, dtype=float))
    opt = AnalysisOptions()
    sig = float(np.clip(opt.denoise_sigma_nm / ps, 1.0, 3.0))  # as analyze_movie scales them
    opt = replace(opt, segment=replace(opt.segment, denoise_sigma_px=sig,
                                       bin_factor=_detection_bin(ps)),
                  dimer=replace(opt.dimer, denoise_sigma_px=sig))
    stage = _FrameStage(movie, opt, ps, DriftTracker(bin_factor=opt.drift_bin,
                                                reference_weight=opt.drift_reference_weight,
                                                whiten=opt.drift_whiten))
    state = stage(0).dimer_state
    frames = np.linspace(0, length - 1, n).round().astype(int)
    prof = cProfile.Profile()
    t0 = time.process_time()
    prof.enable()
    for i in frames:
        state = stage(int(i), None, state).dimer_state
    prof.disable()
    print(f"stage CPU {1e3 * (time.process_time() - t0) / n:.1f} ms/frame over {n} frames "
          "(profiled)")
    pstats.Stats(prof).sort_stats(os.environ.get("PSORT", "cumulative")).print_stats(top)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--workers", type=int, default=None,
                    help="worker processes (default: all cores)")
    ap.add_argument("--profile-stage", type=int, default=None, metavar="N",
                    help="instead: cProfile one worker's per-frame work over N frames")
    ap.add_argument("--repeat", type=int, default=1, metavar="K",
                    help="run each length K times; print the median and best frames/s")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.profile_stage is not None:
        _profile_stage(args.profile_stage, args.size)
        return
    if args.child is not None:
        print(json.dumps(_one(args.child, args.size, args.workers)))
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores visible: {os.cpu_count()}, load average {load:.1f} before the run "
          "(other jobs share the cores when it is above ~0.5)")
    fps: dict[int, list[float]] = {n: [] for n in args.frames}
    for n in [n for _ in range(max(args.repeat, 1)) for n in args.frames]:
        cmd = [sys.executable, __file__, "--child", str(n), "--size", str(args.size)]
        if args.workers is not None:
            cmd += ["--workers", str(args.workers)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        fps[n].append(r["frames_per_s"])
        main, total = r["main_cpu_ms_per_frame"], r["total_cpu_ms_per_frame"]
        bound = 1e3 / max(main, total / 2)
        workers_mb = "+".join(f"{v:.0f}" for v in r["peak_memory_workers_mb"]) or "-"
        print(f"{r['n_frames']:5d} frames {r['size']}^2, {r['workers']} workers: "
              f"{r['frames_per_s']:5.1f} frames/s wall ({r['wall_s']:.1f} s); CPU per frame "
              f"{main:.0f} ms main, {total:.0f} ms all -> 2-core bound {bound:.1f} frames/s; "
              f"peak RSS {r['peak_memory_mb']:.0f} MB (main {r['peak_memory_main_mb']:.0f} "
              f"+ workers {workers_mb}); "
              f"contact frame {r['contact_frame']}, "
              f"merges {r['n_merges']}")
    if args.repeat > 1:
        for n, v in fps.items():
            print(f"{n:5d} frames: {len(v)} runs, frames/s median {np.median(v):.1f}, best "
                  f"{max(v):.1f}, worst {min(v):.1f}")


if __name__ == "__main__":
    main()
