"""Read in-situ TEM movies and single images from microscope files into a :class:`Movie`.

Vendor formats go through RosettaSciIO (rsciio), which returns for each signal a neutral dict
with ``data``, ``axes`` (``scale``/``units``/``offset``/``navigate``) and metadata. This module
only chooses the reader, picks the image signal, flattens navigation axes into frames and turns
the axis calibration into ``pixel_size_nm`` and ``frame_times_s``. Sequences of PNG/TIFF frames
and video files (through imageio) are assembled here because rsciio reads single images only.
"""

from __future__ import annotations

import contextlib
import gc
import glob as _glob
import importlib
import logging
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nanosinter._validation import check_positive
from nanosinter.errors import FileFormatError, InputError
from nanosinter.io._units import (
    CalibrationWarning,
    length_factor_to_nm,
    time_factor_to_s,
    warn_missing_frame_interval,
    warn_missing_pixel_size,
)
from nanosinter.io.movie import Movie

_log = logging.getLogger("nanosinter.io")

#: Files larger than this are read lazily (dask) when ``lazy=None``.
LAZY_THRESHOLD_BYTES = 512 * 2**20

# suffix -> (format name, rsciio module(s) tried in order)
_RSCIIO_FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    ".dm3": ("DigitalMicrograph", ("rsciio.digitalmicrograph",)),
    ".dm4": ("DigitalMicrograph", ("rsciio.digitalmicrograph",)),
    ".emd": ("EMD", ("rsciio.emd",)),
    ".ser": ("TIA", ("rsciio.tia",)),
    ".emi": ("TIA", ("rsciio.tia",)),
    ".mrc": ("MRC", ("rsciio.mrc", "rsciio.mrcz")),
    ".ali": ("MRC", ("rsciio.mrc",)),
    ".mrcz": ("MRCZ", ("rsciio.mrcz",)),
    ".tif": ("TIFF", ("rsciio.tiff",)),
    ".tiff": ("TIFF", ("rsciio.tiff",)),
    ".blo": ("Blockfile", ("rsciio.blockfile",)),
    ".hspy": ("HSPY", ("rsciio.hspy",)),
    ".h5": ("HSPY", ("rsciio.hspy",)),
    ".hdf5": ("HSPY", ("rsciio.hspy",)),
    ".zspy": ("ZSPY", ("rsciio.zspy",)),
}
_FRAME_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp")
_VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".wmv", ".mpg", ".mpeg")
SUPPORTED_SUFFIXES = tuple(sorted({*_RSCIIO_FORMATS, *_FRAME_SUFFIXES, *_VIDEO_SUFFIXES}))


def read_movie(
    path_or_glob: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    pixel_size_nm: float | None = None,
    fps: float | None = None,
    lazy: bool | None = None,
    signal: int | None = None,
) -> Movie:
    """Read a movie or a single image (a one-frame movie) from a microscope file.

    Parameters
    ----------
    path_or_glob : str, path or sequence of paths
        A file (dm3, dm4, Velox/Berkeley EMD, TIA ser/emi, MRC, TIFF, blockfile, hspy, zspy,
        PNG, mp4/avi), a folder of PNG/TIFF frames, a glob such as ``"run/frame_*.png"`` or an
        explicit list of frame files. Frame files are ordered naturally
        (``frame_2`` before ``frame_10``).
    pixel_size_nm : float, optional
        Pixel size in nm; overrides the file's calibration.
    fps : float, optional
        Frames per second; overrides the file's time axis (frame *i* at ``i / fps`` s).
    lazy : bool, optional
        Keep frames as a dask array, read on demand. Default: lazy for files larger than
        ``LAZY_THRESHOLD_BYTES`` (512 MiB).
    signal : int, optional
        Index of the signal to use in a multi-signal file. Default: the largest image signal;
        which one was chosen is recorded in ``metadata["signal_index"]`` and logged.

    Returns
    -------
    Movie
        ``frames`` of shape (n_frames, ny, nx); all navigation axes are flattened into frames.

    Raises
    ------
    FileFormatError
        Missing, corrupt, truncated or unsupported file, or one without an image.
    InputError
        Non-positive ``pixel_size_nm`` or ``fps``.

    Warns
    -----
    MissingCalibrationWarning
        When neither the file nor the arguments give a pixel size (or, for several frames,
        a frame interval). Sizes are then in pixels -- never a silent 1.0.
    """
    if pixel_size_nm is not None:
        pixel_size_nm = float(check_positive("pixel_size_nm", pixel_size_nm))
    if fps is not None:
        fps = float(check_positive("fps", fps))

    frame_files = _frame_file_list(path_or_glob)
    if frame_files is not None:
        movie = _read_frame_sequence(frame_files, lazy=lazy)
    else:
        path = Path(path_or_glob)  # type: ignore[arg-type]
        suffix = path.suffix.lower()
        if suffix in _VIDEO_SUFFIXES:
            movie = _read_video(path)
        elif suffix in _FRAME_SUFFIXES and suffix not in _RSCIIO_FORMATS:
            movie = _read_frame_sequence([path], lazy=False)
        elif suffix in _RSCIIO_FORMATS:
            movie = _read_rsciio(path, lazy=_decide_lazy(path, lazy), signal=signal)
        else:
            raise FileFormatError(
                f"{path}: unsupported file type {suffix or '(no suffix)'!r}; expected one of "
                f"{', '.join(SUPPORTED_SUFFIXES)}, a folder of frames or a glob"
            )
    return _apply_calibration(movie, pixel_size_nm=pixel_size_nm, fps=fps)


# --------------------------------------------------------------------------- inputs


def _natural_key(path: Path) -> list[Any]:
    """Sort key that orders embedded numbers numerically: frame_2 < frame_10."""
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", path.name)]


def _frame_file_list(
    path_or_glob: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
) -> list[Path] | None:
    """Frame files for folders, globs and lists; ``None`` for a single ordinary file."""
    if isinstance(path_or_glob, list | tuple):
        files = [Path(p) for p in path_or_glob]
        if not files:
            raise FileFormatError("read_movie: empty list of frame files")
        for f in files:
            if not f.is_file():
                raise FileFormatError(f"{f}: no such file")
        return files
    path = Path(path_or_glob)
    if path.is_dir():
        files = [p for p in path.iterdir() if p.suffix.lower() in _FRAME_SUFFIXES and p.is_file()]
        if not files:
            raise FileFormatError(
                f"{path}: folder holds no frame files (expected {', '.join(_FRAME_SUFFIXES)})"
            )
        return sorted(files, key=_natural_key)
    if path.exists():
        return None
    text = str(path_or_glob)
    if any(ch in text for ch in "*?["):
        files = [Path(p) for p in _glob.glob(text) if Path(p).is_file()]
        if not files:
            raise FileFormatError(f"{text}: glob matches no files")
        return sorted(files, key=_natural_key)
    raise FileFormatError(f"{path}: no such file or folder")


def _decide_lazy(path: Path, lazy: bool | None) -> bool:
    if lazy is not None:
        return bool(lazy)
    size = path.stat().st_size
    if path.suffix.lower() == ".emi":
        size += sum(p.stat().st_size for p in path.parent.glob(f"{path.stem}_*.ser"))
    return size > LAZY_THRESHOLD_BYTES


# --------------------------------------------------------------------------- rsciio


def _call_reader(path: Path, modules: tuple[str, ...], fmt: str, lazy: bool) -> list[dict]:
    errors = []
    # rsciio resolves memmap_distributed through a lazy module __getattr__; the first import
    # there keeps the MRC reader's frame (and its open file) alive. Importing it up front
    # avoids that leaked handle.
    with contextlib.suppress(ImportError):
        importlib.import_module("rsciio.utils._distributed")
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            errors.append(f"{name} unavailable ({exc})")
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = module.file_reader(str(path), lazy=lazy)
            except Exception as exc:  # rsciio raises many kinds on bad files
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
        for w in caught:
            _log.info("%s: reader %s: %s", path, name, w.message)
        if out:
            return out
        errors.append(f"{name} returned no signal")
    raise FileFormatError(
        f"{path}: cannot be read as {fmt} (corrupt, truncated or not that format): "
        + "; ".join(errors)
    )


def _axes_in_array_order(sig: dict) -> list[dict]:
    axes = list(sig.get("axes", []))
    if axes and all("index_in_array" in a for a in axes):
        axes.sort(key=lambda a: int(a["index_in_array"]))
    return axes


def _is_image_signal(sig: dict) -> bool:
    shape = getattr(sig.get("data"), "shape", ())
    if len(shape) < 2:
        return False
    axes = _axes_in_array_order(sig)
    if len(axes) != len(shape):
        return True
    n_signal = sum(1 for a in axes if not a.get("navigate", False))
    return n_signal >= 2


def _choose_signal(path: Path, signals: list[dict], index: int | None) -> int:
    if index is not None:
        if not 0 <= index < len(signals):
            raise InputError(f"signal must lie in [0, {len(signals) - 1}] for {path}, got {index}")
        if not _is_image_signal(signals[index]):
            raise FileFormatError(f"{path}: signal {index} is not an image or image stack")
        return index
    images = [i for i, s in enumerate(signals) if _is_image_signal(s)]
    if not images:
        kinds = ", ".join(str(tuple(s["data"].shape)) for s in signals)
        raise FileFormatError(
            f"{path}: holds no image or image stack (signal shapes {kinds}); expected at least "
            "two image dimensions"
        )
    best = max(images, key=lambda i: int(np.prod(signals[i]["data"].shape)))
    if len(signals) > 1:
        _log.info(
            "%s: %d signals; using signal %d (%s, shape %s)",
            path,
            len(signals),
            best,
            _title(signals[best]),
            tuple(signals[best]["data"].shape),
        )
    return best


def _title(sig: dict) -> str:
    return str(sig.get("metadata", {}).get("General", {}).get("title", "") or "")


def _read_rsciio(path: Path, *, lazy: bool, signal: int | None) -> Movie:
    fmt, modules = _RSCIIO_FORMATS[path.suffix.lower()]
    signals = _call_reader(path, modules, fmt, lazy)
    idx = _choose_signal(path, signals, signal)
    sig = signals[idx]
    data = sig["data"]
    axes = _axes_in_array_order(sig)
    ny, nx = data.shape[-2:]
    frames = data.reshape((-1, ny, nx))

    meta: dict[str, Any] = {
        "format": fmt,
        "source": str(path),
        "signal_index": idx,
        "n_signals": len(signals),
        "signal_title": _title(sig),
        "signal_type": sig.get("metadata", {}).get("Signal", {}).get("signal_type", ""),
        "original_shape": tuple(int(s) for s in data.shape),
    }
    tem = sig.get("metadata", {}).get("Acquisition_instrument", {}).get("TEM", {})
    if "beam_energy" in tem:
        meta["beam_energy_keV"] = float(tem["beam_energy"])

    pixel_size_nm = None
    frame_times_s = None
    if meta["signal_type"] == "diffraction":
        meta["pixel_size_note"] = "diffraction patterns: signal axes are not real-space lengths"
    elif len(axes) == data.ndim:
        pixel_size_nm = _pixel_size_from_axes(path, axes[-2], axes[-1], meta)
    if len(axes) == data.ndim:
        frame_times_s = _times_from_axes(axes[:-2], frames.shape[0], meta)
    stored = sig.get("metadata", {}).get("nanosinter", {})
    if "frame_times_s" in stored and len(stored["frame_times_s"]) == frames.shape[0]:
        frame_times_s = np.asarray(stored["frame_times_s"], dtype=np.float64)
        meta["frame_times_source"] = "file (nanosinter metadata)"
    if fmt == "TIFF" and frame_times_s is None:
        frame_times_s = _imagej_frame_times(path, frames.shape[0], meta)

    return Movie(
        frames=frames,
        pixel_size_nm=pixel_size_nm,
        frame_times_s=frame_times_s,
        metadata=meta,
        original_metadata=dict(sig.get("original_metadata", {})),
        source=path,
    )


def _pixel_size_from_axes(path: Path, ay: dict, ax: dict, meta: dict) -> float | None:
    fx = length_factor_to_nm(ax.get("units"))
    fy = length_factor_to_nm(ay.get("units"))
    meta["axis_units"] = (ay.get("units"), ax.get("units"))
    if fx is None:
        meta["pixel_size_note"] = f"x axis units {ax.get('units')!r} are not a length"
        return None
    sx = float(ax.get("scale", 1.0)) * fx
    if not np.isfinite(sx) or sx <= 0:
        meta["pixel_size_note"] = f"x axis scale {ax.get('scale')!r} is not positive"
        return None
    if fy is not None:
        sy = float(ay.get("scale", 1.0)) * fy
        if not np.isclose(sx, sy, rtol=1e-3):
            warnings.warn(
                f"{path}: non-square pixels stored (x {sx:g} nm, y {sy:g} nm); using the x "
                "(column) pixel size. Override with pixel_size_nm=... (--pixel-size-nm)",
                CalibrationWarning,
                stacklevel=4,
            )
            meta["pixel_size_y_nm"] = sy
    return sx


def _times_from_axes(nav_axes: list[dict], n_frames: int, meta: dict) -> np.ndarray | None:
    """Frame times from a single time-like navigation axis (e.g. Velox ``Time``, DM series)."""
    if len(nav_axes) != 1:
        return None
    ax = nav_axes[0]
    f = time_factor_to_s(ax.get("units"))
    if f is None or int(ax.get("size", n_frames)) != n_frames:
        return None
    if "axis" in ax and ax["axis"] is not None:
        t = np.asarray(ax["axis"], dtype=np.float64) * f
    else:
        t = (float(ax.get("offset", 0.0)) + float(ax.get("scale", 1.0)) * np.arange(n_frames)) * f
    meta["frame_times_source"] = f"file axis {ax.get('name')!r}"
    return t - t[0]


def _imagej_frame_times(path: Path, n_frames: int, meta: dict) -> np.ndarray | None:
    """ImageJ stores the frame interval as ``finterval``, which rsciio does not read."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            ij = tif.imagej_metadata or {}
    except Exception:  # a file rsciio could read but tifffile not: leave times unknown
        return None
    finterval = ij.get("finterval")
    if finterval is None or not float(finterval) > 0:
        return None
    meta["frame_times_source"] = "ImageJ finterval"
    return np.arange(n_frames) * float(finterval)


# --------------------------------------------------------------------------- frames, video


def _to_grey(img: np.ndarray, path: Path) -> np.ndarray:
    if img.ndim == 2:
        return img
    if img.ndim == 3 and img.shape[-1] in (3, 4):
        rgb = img[..., :3]
        if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2]):
            return rgb[..., 0]
        # ITU-R BT.601 luma weights for colour exports of grey micrographs
        return (rgb @ np.array([0.299, 0.587, 0.114])).astype(np.float32)
    raise FileFormatError(f"{path}: expected a 2-D grey or RGB image, got shape {img.shape}")


def _read_one_frame(path: Path) -> np.ndarray:
    import imageio.v3 as iio

    try:
        img = np.asarray(iio.imread(path))
    except Exception as exc:
        raise FileFormatError(
            f"{path}: cannot be read as an image frame (corrupt or truncated?): {exc}"
        ) from None
    return _to_grey(img, path)


def _read_frame_sequence(files: list[Path], *, lazy: bool | None) -> Movie:
    first = _read_one_frame(files[0])
    total = sum(f.stat().st_size for f in files)
    if lazy is None:
        lazy = total > LAZY_THRESHOLD_BYTES
    if lazy:
        import dask
        import dask.array as da

        parts = [da.from_array(first[None], chunks=first[None].shape)]
        for f in files[1:]:
            d = dask.delayed(_read_checked)(f, first.shape, first.dtype)
            parts.append(da.from_delayed(d, shape=(1, *first.shape), dtype=first.dtype))
        frames = da.concatenate(parts, axis=0)
    else:
        frames = np.empty((len(files), *first.shape), dtype=first.dtype)
        frames[0] = first
        for i, f in enumerate(files[1:], start=1):
            frames[i] = _read_checked(f, first.shape, first.dtype)[0]
    fmt = "image sequence" if len(files) > 1 else files[0].suffix.lstrip(".").upper()
    return Movie(
        frames=frames,
        metadata={"format": fmt, "source": str(files[0].parent), "files": [str(f) for f in files]},
        source=files[0] if len(files) == 1 else files[0].parent,
    )


def _read_checked(path: Path, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    img = _read_one_frame(path)
    if img.shape != shape:
        raise FileFormatError(f"{path}: frame shape {img.shape} differs from the first {shape}")
    return img.astype(dtype, copy=False)[None]


def _read_video(path: Path) -> Movie:
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    try:
        import imageio_ffmpeg  # noqa: F401  (only to check the optional extra is present)
    except ImportError:
        raise FileFormatError(
            f"{path}: reading video files needs the optional 'video' extra "
            "(pip install 'nanosinter[video]', which installs imageio-ffmpeg)"
        ) from None
    import imageio.v2 as iio2

    try:
        # imageio-ffmpeg leaves the pipes of its probe subprocess to the garbage collector;
        # keep that ResourceWarning inside this third-party call.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            with iio2.get_reader(path, format="FFMPEG") as reader:
                fps = float(reader.get_meta_data().get("fps", 0.0))
                frames = np.stack([_to_grey(np.asarray(f), path) for f in reader])
            gc.collect()
    except Exception as exc:
        raise FileFormatError(f"{path}: cannot be read as a video (corrupt?): {exc}") from None
    times = np.arange(frames.shape[0]) / fps if fps > 0 else None
    meta = {"format": "video", "source": str(path)}
    if times is not None:
        meta["frame_times_source"] = "video frame rate"
    return Movie(frames=frames, frame_times_s=times, metadata=meta, source=path)


# --------------------------------------------------------------------------- calibration


def _apply_calibration(movie: Movie, *, pixel_size_nm: float | None, fps: float | None) -> Movie:
    src = movie.source
    if pixel_size_nm is not None:
        movie.pixel_size_nm = pixel_size_nm
        movie.metadata["pixel_size_source"] = "argument"
    elif movie.pixel_size_nm is not None:
        movie.metadata["pixel_size_source"] = "file"
    else:
        why = movie.metadata.get("pixel_size_note", "the file stores no length calibration")
        warn_missing_pixel_size(src, why)
    if fps is not None:
        movie.frame_times_s = np.arange(movie.n_frames, dtype=np.float64) / fps
        movie.metadata["frame_times_source"] = "argument fps"
    elif movie.frame_times_s is None and movie.n_frames > 1:
        warn_missing_frame_interval(src)
    return movie
