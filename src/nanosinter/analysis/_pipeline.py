"""The streaming per-frame pipeline: drift -> denoise/segment -> measure -> track -> dimer."""

from __future__ import annotations

import contextlib
import csv
import math
import os
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
from nanosinter.analysis._particles import PARTICLE_COLUMNS, measure_particles, shift_rows
from nanosinter.analysis._segment import (
    CONSTANT_FRAME_FLAG,
    SegmentOptions,
    _bin,
    _prepare,
    _segment_prepared,
    prepare_frame,
    segment_frame,
)
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
        Binning of frames for the drift estimate (4: a 1024^2 frame correlates as 256^2, ~10x
        cheaper than unbinned; the parabola-refined peak still resolves ~0.05 binned pixel,
        0.02 nm at 0.1 nm/px, and the specimen features are several binned pixels wide).
    drift_reference_weight : float
        Weight of each new frame in the running reference.
    drift_whiten : float
        Power of the cross spectrum's magnitude the drift's correlation divides by
        (``DriftTracker.whiten``: 1 phase correlation, 0 plain cross-correlation; default
        0.25, calibrated: see there).
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
    merge_confirm_frames : int
        A merge enters ``events.csv`` once the merged body has lasted this many frames (with
        the frame it happened in); a body that parts again before then into bodies that
        overlap its parents gets the parents' identities back and leaves no event
        (:class:`Tracker` ``confirm_frames``; 0: every join and part is an event). 8: on the
        tang2023 demo the detection-level bodies joined and parted 14 / 13 times, each join
        lasting 1-7 frames, as the carbon rims and a thin neck crossed the detection level;
        chosen on that movie, not calibrated more widely.
    scale_to_pixel_size : bool
        Adapt the pixel-based settings to the pixel size (default): denoising sigma
        ``denoise_sigma_nm / pixel_size`` clipped to 1-3 pixels for both segmentation and the
        dimer crop, detection binned 2x only for pixels below 0.15 nm. Off: ``segment`` and
        ``dimer`` are used as given.
    denoise_sigma_nm : float
        Physical denoising width used with ``scale_to_pixel_size`` (0.3 nm: the ~0.3 nm blur
        of low-dose in-situ movies; ``nanosinter.imaging.RenderSettings.resolution_nm``).
    workers : int or None
        Processes for the per-frame steps (reading, hot pixels, drift transform, denoising,
        segmentation, particle measurements, dimer geometry); the drift (running
        reference), tracking, gaps, the bridge hysteresis of the contact, the tables and the
        overlay PNGs stay sequential in the calling process, in frame order. None (default):
        all cores (``os.cpu_count()``); 1: everything in the calling process. Results do not
        depend on it. Needs the "fork" start method (Linux); elsewhere 1 is used. At most
        ``min(2 * workers, dimer_warm_lag)`` frames are in flight at a time, so memory does
        not grow with the movie length. Frames of a lazy movie (dask, file-backed) are read
        in the calling process and sent to the workers.
    dimer_warm_lag : int
        The dimer geometry of frame ``j`` follows the lobes (body choice, warm start of the
        fits) from frame ``max(j - dimer_warm_lag, 0)``, so that frames can be measured in
        parallel; the same for any number of workers. 4 keeps two workers busy; the lobes
        move < ~1 nm in 4 frames, well inside the fits' basin (the start only sets how many
        iterations they take).
    """

    segment: SegmentOptions = field(
        default_factory=lambda: SegmentOptions(denoise_sigma_px=3.0, bin_factor=2))
    dimer: DimerOptions = field(default_factory=DimerOptions)
    drift: bool = True
    drift_bin: int = 4
    drift_reference_weight: float = 0.2
    drift_whiten: float = 0.25
    dimer_enabled: bool = True
    pairs: bool = True
    max_pair_gap_nm: float = 5.0
    n_overlays: int = 4
    overlay_frames: tuple[int, ...] | None = None
    contact_run: int = 3
    merge_confirm_frames: int = 8
    scale_to_pixel_size: bool = True
    denoise_sigma_nm: float = 0.3
    workers: int | None = None
    dimer_warm_lag: int = 4

    def __post_init__(self) -> None:
        check_positive("merge_confirm_frames", self.merge_confirm_frames, allow_zero=True)


def _detection_bin(pixel_size_nm: float) -> int:
    """Binning of a frame for particle detection: binned pixels of at least ~0.4 nm.

    Detection only needs the bodies (the dimer geometry is measured on the full-resolution
    frame), and 0.4 nm keeps a 3 nm particle 15 pixels across; 0.1 nm/px frames are binned
    4x (16x fewer pixels to denoise, label and trace), 0.2 nm/px 2x, coarser ones not at all.
    """
    return max(1, int(0.4 / float(pixel_size_nm) + 1e-9))


def _fmt(v: Any) -> Any:
    t = type(v)
    if t is float:  # the common case first (a table row is mostly plain floats)
        return repr(round(v, 6)) if math.isfinite(v) else ""
    if t is int or t is str:
        return v
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
        # A plain writer fed the values in column order (what csv.DictWriter with
        # extrasaction="ignore" writes, without its per-row dict and checks).
        self.w = csv.writer(self.fh)
        self.w.writerow(columns)

    def write(self, row: dict) -> None:
        get, nan = row.get, math.nan
        self.w.writerow([_fmt(get(k, nan)) for k in self.columns])


def _peak_rss_mb() -> float:
    import resource
    import sys

    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0


@dataclass
class _FrameResult:
    """What the per-frame stage hands to the sequential part (picklable)."""

    index: int
    flags: list
    drift_transform: Any
    seg: Any
    rows: list
    outlines: dict
    pid: int
    peak_rss_mb: float
    #: The repaired full-resolution frame, kept only for the frames drawn as overlays.
    image: np.ndarray | None = None
    #: (geometry in frame coordinates, method, flag) or None without the dimer step.
    dimer: tuple | None = None
    #: The same when the previous frame was in contact (bridge hysteresis), else None.
    dimer_alt: tuple | None = None
    #: DimerAnalyzer state after this frame (the warm start of a later frame).
    dimer_state: tuple | None = None
    #: Offsets the reported lobes carry (``DimerOptions.gls_report``): (dx1, dy1, dr1, dx2,
    #: dy2, dr2) nm, for the pixel-picked gap that the contact backfill reads.
    dimer_shift: tuple = (0.0,) * 6


class _FrameStage:
    """The steps of one frame that need no other frame: read, repair, drift transform,
    denoise and segment, measure particles (positions not yet drift-corrected), and the
    dimer geometry (in frame coordinates) from the state a few frames earlier."""

    def __init__(self, movie, options: AnalysisOptions, pixel_size_nm: float,
                 drift: DriftTracker | None, keep_image_at: frozenset = frozenset()) -> None:
        self.movie, self.opt, self.ps, self.drift = movie, options, pixel_size_nm, drift
        #: Frames whose repaired image goes back with the result (their overlays are drawn
        #: from it instead of reading and segmenting the frame again).
        self.keep_image_at = frozenset(keep_image_at)
        self.dimer = DimerAnalyzer(pixel_size_nm, options.dimer) if options.dimer_enabled \
            else None

    def __call__(self, i: int, frame: np.ndarray | None = None,
                 dimer_state: tuple | None = None) -> _FrameResult:
        import os

        # The frame is not copied (a ring slot, the movie's own array): read only here; the
        # segmentation copies it before repairing hot pixels.
        img, flags, owned = _prepare(self.movie.frame(i) if frame is None else frame,
                                     copy=False)
        # The drift and the detection bin the frame alike at 0.1 nm/px (4x): binned once
        # (the segmentation bins again only if it repaired hot pixels).
        b = int(self.opt.segment.bin_factor)
        binned = None
        dtr = None
        if self.drift is not None and not flags:
            if b > 1 and int(self.drift.bin_factor) == b:
                binned = _bin(img, b)
            dtr = self.drift.transform(img, binned=binned)
        # img is already prepared (and not used after this): segmented in place.
        seg = _segment_prepared(img, list(flags), self.opt.segment, binned, owned=owned)
        rows, outlines = measure_particles(seg, self.ps, with_outlines=self.opt.pairs)
        dim = alt = state = None
        shift = (0.0,) * 6
        if self.dimer is not None:
            self.dimer.set_state(dimer_state)
            self.dimer._prev_contact = None  # the caller knows the previous frame
            dim = self.dimer.measure(seg, rows, (0.0, 0.0))
            alt = self.dimer.alternative
            state = self.dimer.get_state()
            shift = tuple(float(v) for v in self.dimer._report_shift)
        # The denoised contrast is not needed downstream, nor the full frame except for an
        # overlay: not sent between processes.
        seg.contrast = np.zeros((0, 0), np.float32)
        image = seg.image if i in self.keep_image_at else None
        seg.image = None
        return _FrameResult(i, flags, dtr, seg, rows, outlines, os.getpid(), _peak_rss_mb(),
                            image, dim, alt, state, shift)

    def overlay(self, i: int, frame: np.ndarray | None, geom, path, *,
                image: np.ndarray | None = None, **kwargs) -> str:
        """Overlay PNG of frame ``i``: of ``image`` (the stage's repaired frame) when given,
        else of the frame read, repaired and segmented again."""
        if image is None:
            img, _ = prepare_frame(self.movie.frame(i) if frame is None else frame)
            image = segment_frame(img, options=self.opt.segment).image
        return str(write_overlay(image, geom, path, pixel_size_nm=self.ps, **kwargs))


#: The stage run by worker processes (set before the pool forks; the workers inherit it).
_STAGE: _FrameStage | None = None


#: Shared ring buffer of frames read in the calling process (an anonymous mmap made before
#: the fork, so the workers see it): (mmap, shape, dtype, number of slots) or None.
_RING: tuple | None = None


def _ring_view(slot: int) -> np.ndarray:
    assert _RING is not None
    buf, shape, dtype, _n = _RING
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    return np.frombuffer(buf, dtype=dtype, count=int(np.prod(shape)),
                         offset=slot * size).reshape(shape)


def _run_stage(i: int, frame: np.ndarray | int | None = None,
               dimer_state: tuple | None = None) -> _FrameResult:
    assert _STAGE is not None
    if isinstance(frame, int):  # a slot of the ring (read only by the stage)
        frame = _ring_view(frame)
    return _STAGE(i, frame, dimer_state)


class _Frames:
    """Frame results in order, computed inline or by a process pool with a bounded window.

    The dimer step of frame ``j`` starts from the dimer state after frame
    ``max(j - lag, 0)`` (frame 0 from none), whatever the number of workers, so the results
    do not depend on it; at most ``min(2 * workers, lag)`` frames are in flight.
    """

    def __init__(self, stage: _FrameStage, n: int, workers: int, lag: int) -> None:
        import multiprocessing as mp
        from collections import deque

        self.stage, self.n, self.lag = stage, n, max(int(lag), 1)
        # Frames held in memory are read by the workers; lazy ones (dask, HDF5 datasets, other
        # array-likes) are read here and sent: their schedulers and file handles are not safe
        # to use in a forked child (a dask-backed movie deadlocked).
        self.read_here = not isinstance(stage.movie.frames, np.ndarray)
        self.pool = None
        self.pending: deque = deque()
        self.next = 0
        self.states: dict[int, tuple | None] = {}
        if workers > 1 and "fork" in mp.get_all_start_methods():
            global _STAGE
            from concurrent.futures import ProcessPoolExecutor

            _STAGE = stage
            # Modules the stage imports on first use: once here, not in every worker.
            import skimage.measure
            import skimage.segmentation  # noqa: F401

            self.depth = 2 * workers
            self._make_ring()
            self.pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"))

    def _make_ring(self) -> None:
        """Frames read here go to the workers through a shared ring of ``depth + 1`` slots
        (one copy; pickling a 4 MB frame through the pool's pipe costs ~3 ms in each
        process). A slot is reused only after its frame's result came back (the window
        holds at most ``depth`` frames); the worker only reads it (hot-pixel repair works on
        a copy)."""
        global _RING
        import mmap

        frames = self.stage.movie.frames
        dtype = getattr(frames, "dtype", None)
        if not self.read_here or dtype is None or np.dtype(dtype).hasobject:
            return
        shape = tuple(int(v) for v in frames.shape[1:])
        slots = min(self.depth, self.lag) + 1
        size = int(np.prod(shape)) * np.dtype(dtype).itemsize
        if size == 0:
            return
        _RING = (mmap.mmap(-1, slots * size), shape, np.dtype(dtype), slots)

    def _send(self, j: int):
        """Frame ``j`` as the workers get it: None (they read it), a ring slot, or the array."""
        if not self.read_here:
            return None
        frame = np.asarray(self.stage.movie.frame(j))
        if _RING is not None:
            _buf, shape, dtype, slots = _RING
            if frame.shape == shape and frame.dtype == dtype:
                slot = j % slots
                _ring_view(slot)[...] = frame
                return slot
        return frame

    def _source(self, j: int) -> int:
        """Frame whose dimer state starts frame ``j`` (-1: none)."""
        return -1 if j == 0 else max(j - self.lag, 0)

    def __iter__(self):
        for i in range(self.n):
            if self.pool is None:
                res = self.stage(i, None, self.states.get(self._source(i)))
            else:
                while (self.next < self.n and len(self.pending) < self.depth
                       and (self._source(self.next) < 0
                            or self._source(self.next) in self.states)):
                    j = self.next
                    self.pending.append(self.pool.submit(
                        _run_stage, j, self._send(j), self.states.get(self._source(j))))
                    self.next += 1
                res = self.pending.popleft().result()
            self.states[i] = res.dimer_state
            self.states.pop(i - self.lag - 1, None)
            yield res

    def overlay(self, i: int, geom, path, image: np.ndarray | None = None, **kwargs):
        """Draw the overlay of frame ``i`` (of ``image``, the stage's repaired frame, when
        given) here and now (Pillow: ~25 ms a PNG, less than a process of its own would cost
        to start); returns the PNG's path."""
        return self.stage.overlay(i, None, geom, path, image=image, **kwargs)

    def close(self) -> None:
        global _STAGE, _RING
        if self.pool is not None:
            for f in self.pending:
                f.cancel()
            self.pool.shutdown(wait=True)
            _STAGE = None
            if _RING is not None:
                _RING[0].close()
                _RING = None


def _drift_corrected(geom, dx_nm: float, dy_nm: float):
    """Geometry measured in frame coordinates moved to drift-corrected ones."""
    def mv(xy):
        return (xy[0] - dx_nm, xy[1] - dy_nm)

    return geom.replace(lobe1_xy_nm=mv(geom.lobe1_xy_nm), lobe2_xy_nm=mv(geom.lobe2_xy_nm),
                        neck_xy_nm=mv(geom.neck_xy_nm))


def _keep_lobe_identity(geom, last_pair):
    """``geom`` with lobes 1 and 2 exchanged where that matches the last frame's lobes
    (drift-corrected centres ``last_pair``) better, and whether it was exchanged.

    A frame's worker orders the lobes from the state of an earlier frame of its chain; after a
    frame in which the dimer was one particle (no lobe identity to carry) that order is
    arbitrary. The lobes move far less between frames than their distance apart, so the
    assignment with the smaller total displacement keeps each lobe's name (and its track in
    ``dimer.csv``) through the movie.
    """
    if last_pair is None or not np.isfinite(geom.lobe2_xy_nm[0]):
        return geom, False
    (a1, a2), b1, b2 = last_pair, geom.lobe1_xy_nm, geom.lobe2_xy_nm
    same = math.dist(a1, b1) + math.dist(a2, b2)
    crossed = math.dist(a1, b2) + math.dist(a2, b1)
    if not crossed < same:
        return geom, False
    return geom.replace(r1_nm=geom.r2_nm, r2_nm=geom.r1_nm, r1_nm_err=geom.r2_nm_err,
                        r2_nm_err=geom.r1_nm_err, lobe1_xy_nm=b2, lobe2_xy_nm=b1), True


def _picked_gap(row: dict, shift: tuple) -> float:
    """The pixel-picked fit's gap ``d - r1 - r2`` of a dimer row whose lobes carry the
    whitened fit's offsets ``shift`` (:attr:`_FrameResult.dimer_shift`): the gap whose
    texture bias is the same in every frame of a movie, which the contact backfill needs
    (the whitened offsets change at contact, where the neck enters the whitened fit)."""
    if not any(shift):
        return row["center_distance_nm"] - row["r1_nm"] - row["r2_nm"]
    sx1, sy1, sr1, sx2, sy2, sr2 = shift
    d = math.hypot(row["x2_nm"] - sx2 - row["x1_nm"] + sx1, row["y2_nm"] - sy2 - row["y1_nm"] + sy1)
    return d - (row["r1_nm"] - sr1) - (row["r2_nm"] - sr2)


def contact_frame(contact: list[float], frames: list[int], run: int) -> int | None:
    """First frame of the first run of ``run`` consecutive contact frames (shorter at the end)."""
    c = [bool(x == 1) for x in contact]
    n = len(c)
    for i in range(n):
        k = min(run, n - i)
        if all(c[i : i + k]):
            return frames[i]
    return None


def backfill_contact(contact: list[float], gap_nm: list[float], cf: int | None, *, run: int,
                     max_level_nm: float, tol_nm: float) -> int | None:
    """Earlier first contact frame from the fitted gap of the frames after it.

    The lobe fits of one movie carry a constant bias from its fixed support texture, so the
    fitted gap ``d - r1 - r2`` of touching lobes settles at a level of its own (0.3-0.4 nm on
    movies whose lobes are fitted 0.1-0.2 nm small). Frames just before the first contact
    frame ``cf`` whose fitted gap is already within ``tol_nm`` of that level (the median over
    the first ``run`` contact frames) are in contact too: the gap closed, only the neck was
    still too thin for the neck test (a 1.0-1.5 nm neck is at 1-2 sigma of the Cramér-Rao
    bound in one frame, docs/analysis.md). Walks back from ``cf - 1`` while that holds.
    Only for touching lobes (level below ``max_level_nm``): bridging necks across a gap of
    the lobe fits (faceted particles) leave the gap unchanged at contact. Returns the new
    first contact frame (``cf`` when nothing changes).
    """
    if cf is None or tol_nm <= 0 or cf == 0:
        return cf
    after = [g for c, g in zip(contact[cf: cf + run], gap_nm[cf: cf + run], strict=True)
             if c == 1 and math.isfinite(g)]
    if not after:
        return cf
    level = float(np.median(after))
    if level > max_level_nm:
        return cf
    j = cf
    while j > 0 and math.isfinite(gap_nm[j - 1]) and gap_nm[j - 1] <= level + tol_nm:
        j -= 1
    return j


def _rewrite_contact(path: Path, frames: range, note: str) -> None:
    """Mark ``frames`` of ``dimer.csv`` in contact as a contact frame without a measured neck
    is written (``contact`` 1, gap and its error 0, not in the gap window; ``note`` added to
    ``flag``), streaming the file through a temporary one (atomic)."""
    zero = ("gap_nm", "gap_nm_err", "gap_in_window")
    with open(path, newline="") as src, atomic_open(path, "w") as dst:
        reader = csv.reader(src)
        writer = csv.writer(dst)
        header = next(reader)
        writer.writerow(header)
        i_frame, i_contact, i_flag = (header.index(k) for k in ("frame", "contact", "flag"))
        i_zero = [header.index(k) for k in zero if k in header]
        for rec in reader:
            if int(float(rec[i_frame])) in frames:
                rec[i_contact] = "1"
                for i in i_zero:
                    rec[i] = "0"
                rec[i_flag] = "; ".join(x for x in (rec[i_flag], note) if x)
            writer.writerow(rec)


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
                            bin_factor=_detection_bin(ps)),
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

    drift = DriftTracker(bin_factor=opt.drift_bin, reference_weight=opt.drift_reference_weight,
                         whiten=opt.drift_whiten)
    tracker = Tracker(confirm_frames=opt.merge_confirm_frames)
    dimer = DimerAnalyzer(ps, opt.dimer)
    contact_seq: list[float] = []
    gap_seq: list[float] = []  # fitted gap d - r1 - r2 of every frame (backfill_contact)
    n_flagged = 0
    overlays: list[str] = []
    first_contact_drawn = False
    workers = int(opt.workers) if opt.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise InputError(f"workers must be >= 1, got {opt.workers!r}")
    # A pool costs ~0.1 s to start: not worth it for a few frames.
    workers = min(workers, max(n // 4, 1))
    worker_peaks: dict[int, float] = {}
    t0 = time.perf_counter()
    source = _Frames(_FrameStage(movie, opt, ps, drift if opt.drift else None,
                                 frozenset(overlay_at)),
                     n, workers, opt.dimer_warm_lag)
    prev_contact = False
    last_pair = None  # the last written frame's two lobe centres (drift-corrected, nm)

    def draw(geom, i, dxy, image=None):
        title = f"frame {i}" + (f", t = {times[i]:.3g} s" if math.isfinite(times[i]) else "")
        overlays.append(source.overlay(i, geom, out / f"overlay_frame_{i:05d}.png",
                                       image=image, drift_px=dxy, title=title))

    try:
        with contextlib.ExitStack() as stack:
            p_out = _CsvOut(stack, out / "particles.csv",
                            ("frame", "time_s", "track_id", *PARTICLE_COLUMNS))
            e_out = _CsvOut(stack, out / "events.csv", EVENT_COLUMNS)
            g_out = _CsvOut(stack, out / "pairs.csv", ("frame", "time_s", *PAIR_COLUMNS))
            d_out = (_CsvOut(stack, out / "dimer.csv", DIMER_COLUMNS) if opt.dimer_enabled
                     else None)
            f_out = _CsvOut(stack, out / "frames.csv",
                            ("frame", "time_s", "drift_x_nm", "drift_y_nm", "drift_nm_err",
                             "n_particles", "background", "noise", "level", "flags"))
            n_events = {"merge": 0, "split": 0}

            def write_events(events):
                for kind, parents, children, fe in events:
                    n_events[kind] += 1
                    e_out.write({"frame": fe, "time_s": times[fe], "event": kind,
                                 "parent_ids": " ".join(map(str, parents)),
                                 "child_ids": " ".join(map(str, children))})

            for res in source:
                i, seg, flags = res.index, res.seg, list(res.flags)
                worker_peaks[res.pid] = max(worker_peaks.get(res.pid, 0.0), res.peak_rss_mb)
                dxy = (0.0, 0.0)
                derr = 0.0
                # A constant frame (a dropped frame: zeros and a few hot pixels) would match
                # the running reference at a random shift: no drift from it, as from the
                # frames flagged on reading.
                if opt.drift and not flags and CONSTANT_FRAME_FLAG not in seg.flags:
                    dx, dy, derr, ok = drift.update_transform(res.drift_transform)
                    dxy = (dx, dy)
                    if not ok:
                        flags.append("drift: weak correlation, last drift kept")
                flags.extend(f for f in seg.flags if f not in flags)
                rows = shift_rows(res.rows, dxy[0] * ps, dxy[1] * ps)
                outlines = res.outlines
                ids, events = tracker.update(seg.labels, dxy, bin_factor=seg.bin_factor,
                                             frame=i)
                for r in rows:
                    r["track_id"] = ids.get(r["label"], 0)
                    p_out.write({"frame": i, "time_s": times[i], **r})
                write_events(events)
                if opt.pairs:
                    for pr in particle_gaps(rows, outlines, ps, max_gap_nm=opt.max_pair_gap_nm,
                                            window_nm=opt.dimer.gap_window_nm):
                        g_out.write({"frame": i, "time_s": times[i], **pr})
                geom = None
                if d_out is not None:
                    # Bridge hysteresis with the previous frame (the worker returned both
                    # outcomes where they differ); positions drift-corrected here.
                    geom, method, dflag = (res.dimer_alt if (prev_contact and res.dimer_alt)
                                           else res.dimer)
                    dshift = res.dimer_shift
                    if geom is not None:
                        prev_contact = bool(geom.contact)
                        geom = _drift_corrected(geom, dxy[0] * ps, dxy[1] * ps)
                        geom, swapped = _keep_lobe_identity(geom, last_pair)
                        if swapped:
                            dshift = tuple(dshift[3:]) + tuple(dshift[:3])
                        if np.isfinite(geom.lobe2_xy_nm[0]):
                            last_pair = (geom.lobe1_xy_nm, geom.lobe2_xy_nm)
                    row = dimer.row(i, float(times[i]), geom, method, dflag)
                    d_out.write(row)
                    contact_seq.append(row["contact"])
                    gap_seq.append(_picked_gap(row, dshift))
                    if (geom is not None and geom.contact and not first_contact_drawn
                            and i not in overlay_at):
                        first_contact_drawn = True
                        draw(geom, i, dxy)
                if flags:
                    n_flagged += 1
                f_out.write({"frame": i, "time_s": times[i], "drift_x_nm": dxy[0] * ps,
                             "drift_y_nm": dxy[1] * ps, "drift_nm_err": derr * ps,
                             "n_particles": seg.n, "background": seg.background,
                             "noise": seg.noise, "level": seg.level,
                             "flags": "; ".join(flags)})
                if i in overlay_at:
                    draw(geom, i, dxy, res.image)
            write_events(tracker.finish())
    finally:
        source.close()
    wall = time.perf_counter() - t0
    cf = contact_frame(contact_seq, list(range(len(contact_seq))), opt.contact_run) \
        if contact_seq else None
    tol = opt.dimer.contact_backfill_nm
    cf_new = backfill_contact(contact_seq, gap_seq, cf, run=opt.contact_run,
                              max_level_nm=opt.dimer.max_contact_gap_nm, tol_nm=tol)
    if cf_new is not None and cf is not None and cf_new < cf:
        _rewrite_contact(out / "dimer.csv", range(cf_new, cf),
                         f"contact: fitted gap within {tol:g} nm of the later contact "
                         "frames' level")
        cf = cf_new
    summary: dict[str, Any] = {
        "n_frames": n,
        "frame_shape": [int(s) for s in frames.shape[1:]],
        "frames_per_s": n / wall if wall > 0 else math.inf,
        "wall_s": wall,
        # Upper bound: pages shared by the forked workers are counted in each process.
        "peak_memory_mb": _peak_rss_mb() + sum(worker_peaks.values() if source.pool else ()),
        "peak_memory_main_mb": _peak_rss_mb(),
        "peak_memory_workers_mb": (sorted(worker_peaks.values()) if source.pool else []),
        "workers": workers if source.pool is not None else 1,
        "pixel_size_nm": ps,
        "frame_times_known": bool(np.all(np.isfinite(times))),
        "contact_frame": cf,
        "contact_time_s": float(times[cf]) if cf is not None else None,
        "n_merges": n_events["merge"],
        "n_splits": n_events["split"],
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

