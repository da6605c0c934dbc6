"""A whole synthetic movie from a simulation folder, with its ground truth beside it.

``render_movie(SIMDIR, MOVIE)`` writes

- ``MOVIE`` (any :func:`nanosinter.io.write_movie` format) with pixel size and frame times;
- ``MOVIE.truth.csv``: ``frame, time_s`` + the dimer geometry columns
  (:data:`nanosinter.geometry.GEOMETRY_COLUMNS` and their ``_err``), measured with
  :func:`nanosinter.geometry.measure_dimer_mask` on the noise-free, drift-free projection, then
  ``drift_x_nm, drift_y_nm`` (specimen shift applied to the frame), ``snapshot_index``,
  ``snapshot_time_s``, ``n_atoms``;
- ``MOVIE.truth.npz``: the projected outlines as bit-packed masks, one per distinct snapshot
  (``masks``, unpack with ``np.unpackbits(..., axis=-1, count=nx)``), ``frame_snapshot``
  (which mask each frame shows), ``drift_nm`` (n, 2), ``time_s``, grid origin and pixel size,
  and a JSON provenance record.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from nanosinter._atomic import atomic_open, atomic_path
from nanosinter._json import dumps
from nanosinter._provenance import provenance
from nanosinter._validation import check_positive
from nanosinter.errors import AnalysisError, FileFormatError, InputError
from nanosinter.imaging._project import Grid
from nanosinter.imaging._render import FrameRenderer, RenderSettings, random_walk_drift
from nanosinter.io import Movie, write_movie
from nanosinter.kmc.snapshots import Snapshot, read_index, read_snapshot

TRUTH_EXTRA_COLUMNS = ("drift_x_nm", "drift_y_nm", "snapshot_index", "snapshot_time_s", "n_atoms")


def truth_paths(movie_path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """``(MOVIE.truth.csv, MOVIE.truth.npz)`` for a movie path."""
    return Path(str(movie_path) + ".truth.csv"), Path(str(movie_path) + ".truth.npz")


def frame_schedule(snapshot_times_s: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Frame times from the first to the last snapshot at ``fps``, and the snapshot each shows.

    Each frame shows the latest snapshot taken at or before its time (sample and hold).

    Returns
    -------
    frame_times_s : ndarray (n_frames,)
    snapshot_index : ndarray of int (n_frames,)
        Position in ``snapshot_times_s``.
    """
    t = np.asarray(snapshot_times_s, dtype=np.float64)
    fps = float(check_positive("fps", fps))
    n = int(np.floor((t[-1] - t[0]) * fps * (1 + 1e-12) + 1e-9)) + 1
    times = t[0] + np.arange(n) / fps
    idx = np.searchsorted(t, times + 1e-12 * max(1.0, abs(t[-1])), side="right") - 1
    return times, np.clip(idx, 0, len(t) - 1)


def grid_for_snapshots(snaps: list[Snapshot], settings: RenderSettings) -> Grid:
    """Grid centred on the atoms of ``snaps`` (union of extents) plus ``margin_nm``."""
    xy = np.concatenate([np.asarray(s.positions_nm)[:, :2] for s in snaps if s.n_atoms])
    if xy.size == 0:
        raise AnalysisError("the snapshots hold no atoms; nothing to render")
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    center = (float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2)
    if settings.fov_nm is not None:
        fov = (float(settings.fov_nm[0]), float(settings.fov_nm[1]))
    else:
        fov = (
            float(hi[1] - lo[1]) + 2 * settings.margin_nm,
            float(hi[0] - lo[0]) + 2 * settings.margin_nm,
        )
    return Grid.around(center, fov, settings.pixel_size_nm)


def _atomic_numbers(snap: Snapshot) -> np.ndarray:
    from nanosinter.materials import element

    z_of = np.array([element(name).Z for name in snap.species_names], dtype=np.float64)
    return z_of[np.asarray(snap.species, dtype=np.intp)]


def _geometry_columns() -> list[str]:
    from nanosinter.geometry import GEOMETRY_COLUMNS

    return list(GEOMETRY_COLUMNS) + [f"{c}_err" for c in GEOMETRY_COLUMNS if c != "contact"]


def measure_truth(coverage: np.ndarray, pixel_size_nm: float) -> dict[str, float | int]:
    """Dimer geometry of a noise-free coverage map; NaN everywhere when nothing is measurable."""
    from nanosinter.geometry import measure_dimer_mask

    try:
        return measure_dimer_mask(coverage, pixel_size_nm).as_dict(errors=True)
    except AnalysisError:
        return {c: float("nan") for c in _geometry_columns()}


def render_movie(
    simdir: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    pixel_size_nm: float = 0.1,
    fps: float = 1.0,
    dose_e_per_A2: float = 100.0,
    seed: int = 0,
    settings: RenderSettings | None = None,
    max_frames: int = 5000,
) -> dict[str, Path]:
    """Render the snapshots of a simulation folder as a bright-field movie with ground truth.

    Parameters
    ----------
    simdir : path
        Simulation folder with ``snapshots/index.csv`` (:mod:`nanosinter.kmc.snapshots`).
    out_path : path
        Movie file; the suffix picks the format (``.hspy``, ``.emd``, ``.h5``, ``.tif``).
    pixel_size_nm : float, keyword-only
        Pixel size (default 0.1 nm); overrides ``settings.pixel_size_nm``.
    fps : float, keyword-only
        Frames per second of simulated time; frames run from the first to the last snapshot.
    dose_e_per_A2 : float, keyword-only
        Electrons per Å^2 per frame; overrides ``settings.dose_e_per_A2``.
    seed : int, keyword-only
        Seeds texture, drift and noise: the same inputs give the same movie, bit for bit.
    settings : RenderSettings, optional
        All other microscope parameters (defaults documented on :class:`RenderSettings`).
    max_frames : int, keyword-only
        Refuse to render more frames than this (lower ``fps`` instead).

    Returns
    -------
    dict
        ``{"movie": Path, "truth_csv": Path, "truth_npz": Path}``.

    Raises
    ------
    FileFormatError
        ``simdir`` is not a simulation folder, or a snapshot is unreadable.
    InputError
        Bad parameters, or more than ``max_frames`` frames.
    """
    base = settings or RenderSettings()
    s = replace(base, pixel_size_nm=float(pixel_size_nm), dose_e_per_A2=float(dose_e_per_A2))
    rows = read_index(simdir)
    if not rows:
        raise FileFormatError(f"{simdir}: snapshots/index.csv lists no snapshots")
    snap_times = np.array([r[1] for r in rows], dtype=np.float64)
    if np.any(np.diff(snap_times) < 0):
        raise FileFormatError(f"{simdir}: snapshot times in index.csv are not in order")
    frame_times, frame_snap = frame_schedule(snap_times, fps)
    if len(frame_times) > max_frames:
        raise InputError(
            f"fps={fps} gives {len(frame_times)} frames over {snap_times[-1] - snap_times[0]:g} s "
            f"(max_frames={max_frames}); lower fps"
        )

    first = read_snapshot(rows[0][3])
    last = read_snapshot(rows[-1][3]) if len(rows) > 1 else first
    grid = grid_for_snapshots([first, last], s)
    rng = np.random.default_rng(seed)
    drift = random_walk_drift(len(frame_times), step_nm=s.drift_nm_per_frame, rng=rng)
    renderer = FrameRenderer(grid, s, rng=rng)

    ny, nx = grid.shape
    max_count = s.counts_per_pixel * 1.5 + 10.0 * np.sqrt(s.counts_per_pixel) + 10.0
    dtype = np.uint16 if max_count < np.iinfo(np.uint16).max else np.float32
    frames = np.empty((len(frame_times), ny, nx), dtype=dtype)

    geometry_cols = _geometry_columns()
    rows_out: list[dict[str, Any]] = []
    masks: list[np.ndarray] = []
    mask_of_snapshot: dict[int, int] = {}
    frame_mask = np.empty(len(frame_times), dtype=np.int64)
    cache: tuple[int, Snapshot, np.ndarray, dict] | None = None
    for k, (t, si) in enumerate(zip(frame_times, frame_snap, strict=True)):
        if cache is None or cache[0] != si:
            snap = read_snapshot(rows[si][3])
            cache = (int(si), snap, _atomic_numbers(snap), {})
        _, snap, Z, geo = cache
        frame = renderer.render(snap.positions_nm, Z, drift_nm=tuple(drift[k]),
                                rim_thickness_nm=snap.carbon_shell_nm)
        frames[k] = np.clip(np.rint(frame.image), 0, None).astype(dtype)
        if int(si) not in mask_of_snapshot:
            mask_of_snapshot[int(si)] = len(masks)
            masks.append(np.packbits(frame.mask, axis=-1))
            geo.update(measure_truth(frame.coverage, s.pixel_size_nm))
        frame_mask[k] = mask_of_snapshot[int(si)]
        row: dict[str, Any] = {"frame": k, "time_s": float(t)}
        row.update({c: geo.get(c, float("nan")) for c in geometry_cols})
        row.update(
            drift_x_nm=float(drift[k, 0]),
            drift_y_nm=float(drift[k, 1]),
            snapshot_index=int(rows[si][0]),
            snapshot_time_s=float(snap.time_s),
            n_atoms=snap.n_atoms,
        )
        rows_out.append(row)

    settings_record = {k: v for k, v in asdict(s).items()}
    prov = provenance(
        inputs={"snapshot_index": Path(simdir) / "snapshots" / "index.csv"},
        simdir=str(simdir),
        fps=float(fps),
        seed=int(seed),
        settings=settings_record,
    )
    movie = Movie(
        frames=frames,
        pixel_size_nm=s.pixel_size_nm,
        frame_times_s=frame_times - frame_times[0],
        metadata={"format": "rendered", "simdir": str(simdir)},
        original_metadata={"nanosinter_render": json.loads(dumps(prov))},
    )
    out_path = Path(out_path)
    write_movie(movie, out_path)
    csv_path, npz_path = truth_paths(out_path)
    _write_truth_csv(csv_path, rows_out, ["frame", "time_s", *geometry_cols, *TRUTH_EXTRA_COLUMNS])
    with atomic_path(npz_path, suffix=".npz") as tmp:
        np.savez_compressed(
            tmp,
            masks=np.stack(masks),
            mask_shape=np.array(grid.shape),
            frame_snapshot=frame_mask,
            drift_nm=drift,
            time_s=frame_times,
            pixel_size_nm=np.float64(s.pixel_size_nm),
            grid_x0_nm=np.float64(grid.x0_nm),
            grid_y0_nm=np.float64(grid.y0_nm),
            provenance=np.array(dumps(prov)),
        )
    return {"movie": out_path, "truth_csv": csv_path, "truth_npz": npz_path}


def _write_truth_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return "" if not np.isfinite(v) else repr(v)
        return str(v)

    with atomic_open(path, "w") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([fmt(r[c]) for c in columns])


def read_truth_masks(movie_path: str | os.PathLike[str]) -> np.ndarray:
    """The drift-free projected particle masks of every frame, shape (n_frames, ny, nx), bool."""
    npz = truth_paths(movie_path)[1]
    try:
        with np.load(npz, allow_pickle=False) as z:
            _, nx = (int(v) for v in z["mask_shape"])
            unpacked = np.unpackbits(z["masks"], axis=-1, count=nx).astype(bool)
            return unpacked[z["frame_snapshot"]]
    except (OSError, KeyError, ValueError) as exc:
        raise FileFormatError(f"{npz}: not a nanosinter truth file ({exc})") from None
