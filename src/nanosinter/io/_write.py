"""Write a :class:`Movie` to a file that HyperSpy/RosettaSciIO and ImageJ can read back.

``.hspy``/``.h5``/``.hdf5`` (HyperSpy HDF5) and ``.emd`` (Berkeley EMD, HDF5) through rsciio's
writers, ``.zspy`` through rsciio when ``zarr`` is installed, and ``.tif``/``.tiff`` as an ImageJ
hyperstack with the pixel size (``unit=micron`` and X/YResolution) and the frame interval
(``finterval``). Every write is atomic: a temporary file in the same folder, then a rename.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from nanosinter._atomic import atomic_path
from nanosinter.errors import FileFormatError, InputError
from nanosinter.io.movie import Movie

_WRITERS = {
    ".hspy": "rsciio.hspy",
    ".h5": "rsciio.hspy",
    ".hdf5": "rsciio.hspy",
    ".emd": "rsciio.emd",
    ".zspy": "rsciio.zspy",
    ".tif": "tiff",
    ".tiff": "tiff",
}
WRITE_SUFFIXES = tuple(_WRITERS)

# ImageJ hyperstacks hold only these sample types.
_IMAGEJ_DTYPES = (np.uint8, np.uint16, np.float32)


def write_movie(movie: Movie, path: str | os.PathLike[str]) -> Path:
    """Write *movie* atomically; the format follows the suffix of *path*.

    Parameters
    ----------
    movie : Movie
        Frames (NumPy or dask, written chunk by chunk) with optional calibration.
    path : str or path
        ``.hspy``/``.h5``/``.hdf5`` (HyperSpy HDF5), ``.emd`` (Berkeley EMD), ``.zspy``
        (needs ``zarr``) or ``.tif``/``.tiff`` (ImageJ stack).

    Returns
    -------
    Path
        The written file.

    Notes
    -----
    The time axis is written as a uniform axis (scale = median frame interval, unit s); the
    exact frame times are also stored in ``metadata["nanosinter"]["frame_times_s"]`` for the
    HDF5 formats, so non-uniform times survive a round trip through :func:`read_movie`.
    ImageJ TIFF holds only ``uint8``, ``uint16`` and ``float32``; other integer types are
    stored as ``float32`` when that is lossless, otherwise an ``InputError`` is raised.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _WRITERS:
        raise FileFormatError(
            f"{path}: cannot write {suffix or '(no suffix)'!r}; expected one of "
            f"{', '.join(WRITE_SUFFIXES)}"
        )
    frames = movie.frames
    if len(getattr(frames, "shape", ())) != 3:
        raise InputError(f"movie.frames must have shape (n_frames, ny, nx), got {frames.shape}")
    if _WRITERS[suffix] == "tiff" and frames.shape[2] < 2:
        # tifffile reads a 1-pixel-wide ImageJ stack back with its axes swapped.
        raise InputError(f"{path}: an ImageJ TIFF cannot hold frames 1 pixel wide "
                         f"(shape {frames.shape}); use .hspy or .emd")
    if _WRITERS[suffix] == "tiff":
        with atomic_path(path, suffix=suffix) as tmp:
            _write_imagej_tiff(movie, tmp)
        return path
    try:
        module = importlib.import_module(_WRITERS[suffix])
    except ImportError as exc:
        raise FileFormatError(
            f"{path}: writing {suffix} needs an optional package ({exc}); use .hspy, .emd or .tif"
        ) from None
    sig = _signal_dict(movie, path)
    with atomic_path(path, suffix=suffix) as tmp:
        kwargs: dict[str, Any] = {}
        if _WRITERS[suffix] in ("rsciio.hspy", "rsciio.zspy"):
            kwargs["show_progressbar"] = False
        if suffix == ".zspy":
            tmp.unlink()  # zspy is a folder store; the placeholder file must not exist
        module.file_writer(str(tmp), sig, **kwargs)
    return path


def _signal_dict(movie: Movie, path: Path) -> dict[str, Any]:
    """The neutral dict rsciio writers take (axes with scale/units, metadata)."""
    n, ny, nx = (int(s) for s in movie.frames.shape)
    px = movie.pixel_size_nm
    dt = movie.frame_interval_s
    axes = [
        {
            "name": "time",
            "size": n,
            "scale": float(dt) if dt else 1.0,
            "offset": 0.0,
            "units": "s" if dt else "",
            "navigate": True,
        },
        {"name": "y", "size": ny, "scale": float(px or 1.0), "offset": 0.0,
         "units": "nm" if px else "", "navigate": False},
        {"name": "x", "size": nx, "scale": float(px or 1.0), "offset": 0.0,
         "units": "nm" if px else "", "navigate": False},
    ]
    ns_meta: dict[str, Any] = {}
    if movie.frame_times_s is not None:
        ns_meta["frame_times_s"] = [float(t) for t in np.asarray(movie.frame_times_s)]
    if px:
        ns_meta["pixel_size_nm"] = float(px)
    from nanosinter import __version__

    return {
        "data": movie.frames,
        "axes": axes,
        "metadata": {
            "General": {"title": path.stem},
            "Signal": {"signal_type": ""},
            "nanosinter": ns_meta,
        },
        "original_metadata": _plain(movie.original_metadata),
        "tmp_parameters": {},
        "attributes": {"_lazy": not isinstance(movie.frames, np.ndarray)},
        "learning_results": {},
        "models": {},
        "package_info": {"name": "nanosinter", "version": __version__},
    }


def _plain(obj: Any) -> Any:
    """Metadata reduced to what HDF5 attributes hold (numbers, strings, nested dicts)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items() if _plain(v) is not None}
    if isinstance(obj, str | int | float | bool | np.number | np.bool_):
        return obj
    if isinstance(obj, list | tuple) and all(isinstance(v, str | int | float) for v in obj):
        return list(obj) if obj else None
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biuf" and obj.size < 10_000:
        return obj
    return None


def _imagej_dtype(dtype: np.dtype) -> np.dtype:
    if any(dtype == d for d in _IMAGEJ_DTYPES):
        return dtype
    if dtype.kind in "iub" and dtype.itemsize <= 2:
        return np.dtype(np.float32)
    if dtype.kind == "f":
        raise InputError(
            f"movie.frames dtype {dtype} cannot be stored in an ImageJ TIFF without loss; "
            "convert to float32 or write .hspy/.emd"
        )
    raise InputError(
        f"movie.frames dtype {dtype} cannot be stored in an ImageJ TIFF without loss "
        "(ImageJ holds uint8, uint16, float32); write .hspy or .emd instead"
    )


def _write_imagej_tiff(movie: Movie, tmp: Path) -> None:
    import tifffile

    frames = movie.frames
    dtype = _imagej_dtype(np.dtype(frames.dtype))
    n, ny, nx = (int(s) for s in frames.shape)
    meta: dict[str, Any] = {"axes": "TYX"}
    resolution = None
    if movie.pixel_size_nm:
        px_um = movie.pixel_size_nm * 1e-3
        resolution = (1.0 / px_um, 1.0 / px_um)
        meta["unit"] = "micron"
    dt = movie.frame_interval_s
    if dt:
        meta["finterval"] = float(dt)

    def pages():
        for i in range(n):
            f = frames[i]
            f = f.compute() if hasattr(f, "compute") else f
            yield np.asarray(f).astype(dtype, copy=False)

    tifffile.imwrite(
        tmp,
        data=pages(),
        shape=(n, ny, nx),
        dtype=dtype,
        imagej=True,
        resolution=resolution,
        metadata=meta,
    )
