"""The streaming per-frame pipeline: drift -> denoise/segment -> measure -> track -> dimer."""

from __future__ import annotations

import contextlib
import csv
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nanosinter._atomic import atomic_open, atomic_write_text
from nanosinter._json import dumps
from nanosinter._validation import check_positive
from nanosinter.analysis._dimer import DIMER_COLUMNS, DimerAnalyzer, DimerOptions
from nanosinter.analysis._drift import DriftTracker
from nanosinter.analysis._overlay import write_overlay
from nanosinter.analysis._pairs import PAIR_COLUMNS, particle_gaps
from nanosinter.analysis._particles import PARTICLE_COLUMNS, measure_particles
from nanosinter.analysis._segment import SegmentOptions, prepare_frame, segment_frame
from nanosinter.analysis._track import EVENT_COLUMNS, Tracker
from nanosinter.errors import InputError


@dataclass(frozen=True)
class AnalysisOptions:
    """All options of :func:`analyze_movie`, grouped by step (each step can be swapped).

    Attributes
    ----------
    segment : SegmentOptions
    dimer : DimerOptions
    drift : bool
        Estimate stage drift (phase correlation against a running reference).
    drift_bin : int
        Binning of frames for the drift estimate.
    drift_reference_weight : float
        Weight of each new frame in the running reference.
    dimer_enabled : bool
        Measure the dimer geometry (``dimer.csv``).
    pairs : bool
        Measure surface gaps between neighbouring particles (``pairs.csv``).
    max_pair_gap_nm : float
    n_overlays : int
        Overlay PNGs of evenly spaced frames (first and last included), plus the contact frame.
    overlay_frames : tuple of int or None
        Explicit frames to draw instead of evenly spaced ones.
    contact_run : int
        The contact frame is the first of this many consecutive frames in contact (one noisy
        frame does not make a contact).
    scale_to_pixel_size : bool
        Adapt the pixel-based settings to the pixel size (default): denoising sigma
        ``denoise_sigma_nm / pixel_size`` clipped to 1-3 pixels for both segmentation and the
        dimer crop, detection binned 2x only for pixels below 0.15 nm. Off: ``segment`` and
        ``dimer`` are used as given.
    denoise_sigma_nm : float
        Physical denoising width used with ``scale_to_pixel_size`` (0.3 nm: the ~0.3 nm blur
        of low-dose in-situ movies; ``nanosinter.imaging.RenderSettings.resolution_nm``).
    """

    segment: SegmentOptions = field(
        default_factory=lambda: SegmentOptions(denoise_sigma_px=3.0, bin_factor=2))
    dimer: DimerOptions = field(default_factory=DimerOptions)
    drift: bool = True
    drift_bin: int = 2
    drift_reference_weight: float = 0.2
    dimer_enabled: bool = True
    pairs: bool = True
    max_pair_gap_nm: float = 5.0
    n_overlays: int = 4
    overlay_frames: tuple[int, ...] | None = None
    contact_run: int = 3
    scale_to_pixel_size: bool = True
    denoise_sigma_nm: float = 0.3


def _fmt(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        f = float(v)
        return "" if not math.isfinite(f) else repr(round(f, 6))
    if isinstance(v, np.integer | np.bool_):
        return int(v)
    return v


class _CsvOut:
    """A CSV file written row by row into a temporary file, renamed when complete."""

    def __init__(self, stack: contextlib.ExitStack, path: Path, columns: tuple[str, ...]):
        self.fh = stack.enter_context(atomic_open(path, "w"))
        self.columns = columns
        self.w = csv.DictWriter(self.fh, fieldnames=list(columns), extrasaction="ignore")
        self.w.writeheader()

    def write(self, row: dict) -> None:
        self.w.writerow({k: _fmt(row.get(k, math.nan)) for k in self.columns})


def _peak_rss_mb() -> float:
    import resource
    import sys

    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0


def contact_frame(contact: list[float], frames: list[int], run: int) -> int | None:
    """First frame of the first run of ``run`` consecutive contact frames (shorter at the end)."""
    c = [bool(x == 1) for x in contact]
    n = len(c)
    for i in range(n):
        k = min(run, n - i)
        if all(c[i : i + k]):
            return frames[i]
    return None


def analyze_movie(
    movie,
    out_dir: str | Path,
    *,
    pixel_size_nm: float | None = None,
    fps: float | None = None,
    options: AnalysisOptions | None = None,
    provenance_inputs: dict[str, str | Path] | None = None,
) -> dict[str, Any]:
    """Analyse a movie frame by frame and write the tables and overlays to ``out_dir``.

    Frames are read one at a time (``movie.frame(i)``; lazy movies stay lazy), so memory
    does not grow with the movie length. Steps: drift (phase correlation against a running
    reference) -> hot pixels, denoising, contrast and segmentation -> per-particle
    measurements -> tracking with merges/splits -> gaps between neighbours -> dimer geometry.

    Parameters
    ----------
    movie : nanosinter.io.Movie
    out_dir : path
        Created if needed. Written: ``particles.csv``, ``events.csv``, ``pairs.csv``,
        ``dimer.csv`` (docs/architecture.md "Dimer table" + ``*_err`` + lobe positions),
        ``overlay_frame_NNNNN.png`` and ``analysis.json`` (this summary plus provenance).
        Each file is written atomically.
    pixel_size_nm : float, keyword-only
        Overrides the movie's calibration; required when the movie has none.
    fps : float, keyword-only
        Overrides the movie's frame times (frame i at i / fps s).
    options : AnalysisOptions, keyword-only

    Returns
    -------
    dict
        Summary: ``n_frames``, ``frames_per_s``, ``peak_memory_mb``, ``wall_s``,
        ``pixel_size_nm``, ``contact_frame``, ``contact_time_s``, ``n_merges``, ``n_splits``,
        ``n_flagged_frames``, ``files`` and more. The coordinator's report (issue 6) can call
        this and read the files it lists.

    Raises
    ------
    InputError
        Not a 3-D movie, no frames, or no pixel size.
    """
    opt = options or AnalysisOptions()
    frames = getattr(movie, "frames", None)
    if frames is None or len(getattr(frames, "shape", ())) != 3:
        raise InputError(
            f"movie.frames must be a 3-D array (n_frames, ny, nx), got shape "
            f"{getattr(frames, 'shape', None)}"
        )
    n = int(frames.shape[0])
    if n == 0:
        raise InputError("movie has no frames")
    ps = pixel_size_nm if pixel_size_nm is not None else movie.pixel_size_nm
    if ps is None:
        raise InputError("pixel size unknown: pass pixel_size_nm (CLI: --pixel-size-nm)")
    ps = float(check_positive("pixel_size_nm", ps))
    if fps is not None:
        times = np.arange(n) / float(check_positive("fps", fps))
    elif movie.frame_times_s is not None and len(movie.frame_times_s) == n:
        times = np.asarray(movie.frame_times_s, dtype=np.float64)
    else:
        times = np.full(n, np.nan)
    if opt.scale_to_pixel_size:
        from dataclasses import replace

        sig_px = float(np.clip(opt.denoise_sigma_nm / ps, 1.0, 3.0))
        opt = replace(
            opt,
            segment=replace(opt.segment, denoise_sigma_px=sig_px,
                            bin_factor=2 if ps < 0.15 else 1),
            dimer=replace(opt.dimer, denoise_sigma_px=sig_px),
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if opt.overlay_frames is not None:
        overlay_at = {int(i) for i in opt.overlay_frames if 0 <= int(i) < n}
    else:
        k = max(int(opt.n_overlays), 0)
        overlay_at = (set(np.unique(np.linspace(0, n - 1, k).round().astype(int)).tolist())
                      if k else set())

    drift = DriftTracker(bin_factor=opt.drift_bin, reference_weight=opt.drift_reference_weight)
    tracker = Tracker()
    dimer = DimerAnalyzer(ps, opt.dimer)
    contact_seq: list[float] = []
    n_merge = n_split = n_flagged = 0
    overlays: list[str] = []
    first_contact_drawn = False
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        p_out = _CsvOut(stack, out / "particles.csv",
                        ("frame", "time_s", "track_id", *PARTICLE_COLUMNS))
        e_out = _CsvOut(stack, out / "events.csv", EVENT_COLUMNS)
        g_out = _CsvOut(stack, out / "pairs.csv", ("frame", "time_s", *PAIR_COLUMNS))
        d_out = _CsvOut(stack, out / "dimer.csv", DIMER_COLUMNS) if opt.dimer_enabled else None
        f_out = _CsvOut(stack, out / "frames.csv",
                        ("frame", "time_s", "drift_x_nm", "drift_y_nm", "drift_nm_err",
                         "n_particles", "background", "noise", "level", "flags"))
        for i in range(n):
            raw = movie.frame(i)
            img, flags = prepare_frame(raw)
            dxy = (0.0, 0.0)
            derr = 0.0
            if opt.drift and not flags:
                dx, dy, derr, ok = drift.update(img)
                dxy = (dx, dy)
                if not ok:
                    flags.append("drift: weak correlation, last drift kept")
            seg = segment_frame(img, options=opt.segment)
            flags.extend(f for f in seg.flags if f not in flags)
            rows, outlines = measure_particles(seg, ps, drift_px=dxy, with_outlines=opt.pairs)
            ids, events = tracker.update(seg.labels, dxy, bin_factor=seg.bin_factor)
            for r in rows:
                r["track_id"] = ids.get(r["label"], 0)
                p_out.write({"frame": i, "time_s": times[i], **r})
            for kind, parents, children in events:
                n_merge += kind == "merge"
                n_split += kind == "split"
                e_out.write({"frame": i, "time_s": times[i], "event": kind,
                             "parent_ids": " ".join(map(str, parents)),
                             "child_ids": " ".join(map(str, children))})
            if opt.pairs:
                for pr in particle_gaps(rows, outlines, ps, max_gap_nm=opt.max_pair_gap_nm,
                                        window_nm=opt.dimer.gap_window_nm):
                    g_out.write({"frame": i, "time_s": times[i], **pr})
            geom = None
            if d_out is not None:
                geom, method, dflag = dimer.measure(seg, rows, dxy)
                row = dimer.row(i, float(times[i]), geom, method, dflag)
                d_out.write(row)
                contact_seq.append(row["contact"])
                if (geom is not None and geom.contact and not first_contact_drawn
                        and i not in overlay_at):
                    first_contact_drawn = True
                    overlays.append(str(_overlay(img, geom, out, i, times[i], ps, dxy)))
            if flags:
                n_flagged += 1
            f_out.write({"frame": i, "time_s": times[i], "drift_x_nm": dxy[0] * ps,
                         "drift_y_nm": dxy[1] * ps, "drift_nm_err": derr * ps,
                         "n_particles": seg.n, "background": seg.background,
                         "noise": seg.noise, "level": seg.level, "flags": "; ".join(flags)})
            if i in overlay_at:
                overlays.append(str(_overlay(img, geom, out, i, times[i], ps, dxy)))
    wall = time.perf_counter() - t0
    cf = contact_frame(contact_seq, list(range(len(contact_seq))), opt.contact_run) \
        if contact_seq else None
    summary: dict[str, Any] = {
        "n_frames": n,
        "frame_shape": [int(s) for s in frames.shape[1:]],
        "frames_per_s": n / wall if wall > 0 else math.inf,
        "wall_s": wall,
        "peak_memory_mb": _peak_rss_mb(),
        "pixel_size_nm": ps,
        "frame_times_known": bool(np.all(np.isfinite(times))),
        "contact_frame": cf,
        "contact_time_s": float(times[cf]) if cf is not None else None,
        "n_merges": n_merge,
        "n_splits": n_split,
        "n_flagged_frames": n_flagged,
        "dimer_method": opt.dimer.method if opt.dimer_enabled else None,
        "files": {
            "particles": str(out / "particles.csv"),
            "events": str(out / "events.csv"),
            "pairs": str(out / "pairs.csv"),
            "frames": str(out / "frames.csv"),
            **({"dimer": str(out / "dimer.csv")} if opt.dimer_enabled else {}),
            "overlays": sorted(overlays),
        },
    }
    from nanosinter._provenance import provenance

    record = dict(summary)
    record["provenance"] = provenance(provenance_inputs, options=_options_dict(opt))
    atomic_write_text(out / "analysis.json", dumps(record))
    return summary


def _options_dict(opt: AnalysisOptions) -> dict:
    from dataclasses import asdict

    return asdict(opt)


def _overlay(img, geom, out: Path, i: int, t: float, ps: float, dxy) -> Path:
    title = f"frame {i}" + (f", t = {t:.3g} s" if math.isfinite(t) else "")
    return write_overlay(img, geom, out / f"overlay_frame_{i:05d}.png", pixel_size_nm=ps,
                         drift_px=dxy, title=title)
