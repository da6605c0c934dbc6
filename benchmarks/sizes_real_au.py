"""Particle count and mean size on the real in-situ Au frames against their hand-made masks.

Run by hand (needs ``../shared/data/real/insitu_au_750C``):
    .venv/bin/python benchmarks/sizes_real_au.py

Prints, for each of the 10 masked frames, the masks' particle count and mean equivalent
diameter beside what ``nanosinter sizes`` finds with the default segmentation
(``SIZES_SEGMENT``, whose ``level_sigma`` = 3.7 was calibrated on these same 10 frames).
The default passing on its own calibration frames says little, so the benchmark then
cross-validates that one parameter: for each split of the frames into two halves (odd/even
frames, first/last five) it picks ``level_sigma`` on one half (smallest worst-case relative
error of count and mean diameter) and reports the errors on the other half, which did not
choose it. Pixel size 1 nm/px, as the test assumes (the files carry no calibration).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("NANOSINTER_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))


def mask_stats(path: Path) -> tuple[int, float]:
    """Particle count and mean equivalent diameter (px) of a hand-made mask PNG."""
    from PIL import Image
    from scipy import ndimage as ndi

    m = np.asarray(Image.open(path))
    m = (m[..., 0] if m.ndim == 3 else m) > 127
    lab, n = ndi.label(m)
    areas = np.bincount(lab.ravel())[1:]
    return n, float(np.mean(2 * np.sqrt(areas / np.pi)))


def measure(frames, level: float | None):
    from nanosinter.analysis import size_distribution
    from nanosinter.analysis._sizes import SIZES_SEGMENT

    opt = SIZES_SEGMENT if level is None else replace(SIZES_SEGMENT, level_sigma=level)
    out = []
    for img in frames:
        res = size_distribution(img, pixel_size_nm=1.0, options=opt)
        out.append((res["count"], res["mean_diameter_nm"]))
    return out


def worst(meas, truth) -> float:
    return max(max(abs(n / nt - 1), abs(d / dt - 1))
               for (n, d), (nt, dt) in zip(meas, truth, strict=True))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT, help="the real-data folder")
    args = ap.parse_args(argv)
    folder = args.data / "insitu_au_750C"
    masks = sorted((folder / "ground_truth").glob("frame_*.png"))
    if not masks:
        print(f"no hand-made masks under {folder / 'ground_truth'}", file=sys.stderr)
        return 2
    from nanosinter.io import read_movie

    truth = [mask_stats(p) for p in masks]
    frames = [np.asarray(read_movie(folder / "raw" / p.name, pixel_size_nm=1.0).frame(0),
                         dtype=float) for p in masks]
    default = measure(frames, None)
    print(f"{'frame':>16} {'n mask':>7} {'n found':>7} {'d mask':>7} {'d found':>7} "
          f"{'n err':>6} {'d err':>6}   (default level_sigma 3.7; d in px = nm at 1 nm/px)")
    for p, (nt, dt), (n, d) in zip(masks, truth, default, strict=True):
        print(f"{p.name:>16} {nt:7d} {n:7d} {dt:7.2f} {d:7.2f} {100 * (n / nt - 1):+5.1f}% "
              f"{100 * (d / dt - 1):+5.1f}%")
    print(f"worst |error| over the 10 frames: {100 * worst(default, truth):.1f} %")
    levels = np.round(np.arange(2.5, 5.01, 0.1), 2)
    table = {lv: measure(frames, float(lv)) for lv in levels}
    idx = np.arange(len(masks))
    splits = {"odd / even": (idx % 2 == 0, idx % 2 == 1),
              "first / last five": (idx < len(idx) // 2, idx >= len(idx) // 2)}
    print("\ncross-validation of level_sigma (chosen on one half, tested on the other):")
    for name, (a, b) in splits.items():
        for train, test in ((a, b), (b, a)):
            best = min(levels, key=lambda lv, tr=train: worst(
                [m for m, t in zip(table[lv], tr, strict=True) if t],
                [x for x, t in zip(truth, tr, strict=True) if t]))
            err = worst([m for m, t in zip(table[best], test, strict=True) if t],
                        [x for x, t in zip(truth, test, strict=True) if t])
            names = [masks[i].stem.removeprefix("frame_") for i in idx[test]]
            print(f"  {name:>17}: level_sigma {best:.1f} chosen on the other half; worst "
                  f"|error| on frames {', '.join(names)}: {100 * err:.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
