"""Unit strings found in microscope files, converted to nm (lengths) and s (times).

Vendors spell units in many ways: ``nm``, ``n_m`` (Berkeley EMD written by some NCEM tools),
``Å``/``A``/``angstrom``, ``µm``/``um``/``micron``, ``pm``, ``m``. One table maps the cleaned
spelling to a factor; unknown or absent units give ``None`` so that the caller warns instead of
silently assuming 1.0.
"""

from __future__ import annotations

import warnings

# Factors to nm. Keys are lower-case with spaces, underscores, dots and dashes removed.
_LENGTH_TO_NM: dict[str, float] = {
    "m": 1e9,
    "meter": 1e9,
    "meters": 1e9,
    "metre": 1e9,
    "cm": 1e7,
    "mm": 1e6,
    "µm": 1e3,
    "μm": 1e3,  # Greek mu (U+03BC) as well as the micro sign (U+00B5)
    "um": 1e3,
    "micron": 1e3,
    "microns": 1e3,
    "micrometer": 1e3,
    "micrometre": 1e3,
    "nm": 1.0,
    "nanometer": 1.0,
    "nanometre": 1.0,
    "nanometers": 1.0,
    "å": 0.1,
    "a": 0.1,
    "ang": 0.1,
    "angstrom": 0.1,
    "angstroms": 0.1,
    "ångström": 0.1,
    "pm": 1e-3,
    "picometer": 1e-3,
    "picometre": 1e-3,
}

_TIME_TO_S: dict[str, float] = {
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "ms": 1e-3,
    "millisecond": 1e-3,
    "µs": 1e-6,
    "μs": 1e-6,
    "us": 1e-6,
    "ns": 1e-9,
    "min": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
}


class CalibrationWarning(UserWarning):
    """A movie's calibration is doubtful (non-square pixels, odd units)."""


class MissingCalibrationWarning(CalibrationWarning):
    """A movie has no usable pixel size (or time axis); results will be in pixels (frames).

    Supply the calibration explicitly: ``read_movie(..., pixel_size_nm=...)`` or
    ``--pixel-size-nm`` on the command line (``fps=`` / ``--fps`` for time).
    """


def _clean(unit: object) -> str | None:
    if unit is None:
        return None
    text = str(unit).strip()
    if not text or text in {"<undefined>", "t.b.d.", "undefined"}:
        return None
    # Å may be stored as U+212B (angstrom sign); normalise to U+00C5 before lower-casing.
    text = text.replace("\u212b", "\u00c5")
    for ch in " _.-":
        text = text.replace(ch, "")
    return text.lower()


def length_factor_to_nm(unit: object) -> float | None:
    """Factor that converts a length in *unit* to nm, or ``None`` when *unit* is not a length.

    Examples
    --------
    >>> length_factor_to_nm("µm"), length_factor_to_nm("n_m"), length_factor_to_nm("Å")
    (1000.0, 1.0, 0.1)
    >>> length_factor_to_nm("1/nm") is None
    True
    """
    key = _clean(unit)
    if key is None:
        return None
    return _LENGTH_TO_NM.get(key)


def time_factor_to_s(unit: object) -> float | None:
    """Factor that converts a time in *unit* to s, or ``None`` when *unit* is not a time."""
    key = _clean(unit)
    if key is None:
        return None
    return _TIME_TO_S.get(key)


def warn_missing_pixel_size(source: object, why: str) -> None:
    """Warn (never silently default to 1.0) that *source* has no usable pixel size."""
    warnings.warn(
        f"{source}: no pixel size ({why}); sizes will be in pixels. Supply it with "
        "pixel_size_nm=... (command line: --pixel-size-nm)",
        MissingCalibrationWarning,
        stacklevel=4,
    )


def warn_missing_frame_interval(source: object) -> None:
    """Warn that a multi-frame *source* has no time axis; times will be frame numbers."""
    warnings.warn(
        f"{source}: no frame interval stored; times will be frame numbers. Supply it with "
        "fps=... (command line: --fps)",
        MissingCalibrationWarning,
        stacklevel=4,
    )
