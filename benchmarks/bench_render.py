"""Rendering speed: frames/s for 1024 x 1024 frames of a tang2023-sized dimer (~1.6e5 atoms).

Run by hand:  .venv/bin/python benchmarks/bench_render.py [--frames 10] [--size 1024]

Prints the time per frame of FrameRenderer.render (projection, contrast, texture, rim, blur,
Poisson noise, drift-free truth outline) and of the whole render_movie pipeline (snapshot
reading, truth geometry, writing .hspy).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from nanosinter.imaging import FrameRenderer, Grid, RenderSettings, render_movie
from nanosinter.kmc.snapshots import Snapshot, write_index, write_snapshot

A_NM = 0.6077
_FCC = np.array([[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])


def zincblende_sphere(center, radius):
    n = int(np.ceil(radius / A_NM)) + 1
    c = np.arange(-n, n + 1)
    g = np.stack(np.meshgrid(c, c, c, indexing="ij"), -1).reshape(-1, 1, 3)
    cat = (g + _FCC).reshape(-1, 3) * A_NM
    an = (g + _FCC + 0.25).reshape(-1, 3) * A_NM
    pos = np.vstack([cat, an])
    sp = np.r_[np.zeros(len(cat), np.uint8), np.ones(len(an), np.uint8)]
    keep = (pos**2).sum(1) <= radius**2
    return pos[keep] + center, sp[keep]


def dimer(radius=8.1, gap=1.5):
    d = 2 * radius + gap
    p1, s1 = zincblende_sphere(np.array([-d / 2, 0, radius]), radius)
    p2, s2 = zincblende_sphere(np.array([d / 2, 0, radius]), radius)
    return np.vstack([p1, p2]).astype(np.float32), np.r_[s1, s2]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--size", type=int, default=1024)
    args = ap.parse_args()
    pos, sp = dimer()
    Z = np.array([48.0, 34.0])[sp]
    print(f"atoms: {len(pos):,}  frame: {args.size} x {args.size} px at 0.1 nm")
    s = RenderSettings()
    grid = Grid.around((0.0, 0.0), (args.size * 0.1, args.size * 0.1), 0.1)
    r = FrameRenderer(grid, s, rng=0)
    r.render(pos, Z, drift_nm=(0.1, 0.2))  # warm-up
    t = time.perf_counter()
    for k in range(args.frames):
        r.render(pos, Z, drift_nm=(0.05 * k, -0.03 * k))
    dt = (time.perf_counter() - t) / args.frames
    print(f"FrameRenderer.render: {dt * 1e3:.0f} ms/frame = {1 / dt:.2f} frames/s")

    with tempfile.TemporaryDirectory() as tmp:
        sim = Path(tmp) / "sim"
        (sim / "snapshots").mkdir(parents=True)
        rows = []
        for i in range(2):
            name = f"snap_{i:06d}.npz"
            write_snapshot(sim / "snapshots" / name,
                           Snapshot(pos, sp, ("Cd", "Se"), float(i), i, np.zeros(3)))
            rows.append((i, float(i), i, name))
        write_index(sim / "snapshots", rows)
        settings = RenderSettings(fov_nm=(args.size * 0.1, args.size * 0.1))
        fps = (args.frames - 1) / 1.0
        t = time.perf_counter()
        render_movie(sim, Path(tmp) / "m.hspy", fps=fps, settings=settings)
        dt = (time.perf_counter() - t) / args.frames
        print(f"render_movie (.hspy, truth, {args.frames} frames): {dt * 1e3:.0f} ms/frame "
              f"= {1 / dt:.2f} frames/s")


if __name__ == "__main__":
    main()
