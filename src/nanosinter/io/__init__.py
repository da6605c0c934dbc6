"""Reading and writing in-situ TEM movies.

>>> from nanosinter.io import read_movie, write_movie
>>> movie = read_movie("stack.dm4")                      # doctest: +SKIP
>>> write_movie(movie, "stack.hspy")                     # doctest: +SKIP
"""

from nanosinter.io._read import LAZY_THRESHOLD_BYTES, SUPPORTED_SUFFIXES, read_movie
from nanosinter.io._units import (
    CalibrationWarning,
    MissingCalibrationWarning,
    length_factor_to_nm,
    time_factor_to_s,
)
from nanosinter.io._write import WRITE_SUFFIXES, write_movie
from nanosinter.io.movie import Movie

__all__ = [
    "LAZY_THRESHOLD_BYTES",
    "SUPPORTED_SUFFIXES",
    "WRITE_SUFFIXES",
    "CalibrationWarning",
    "MissingCalibrationWarning",
    "Movie",
    "length_factor_to_nm",
    "read_movie",
    "time_factor_to_s",
    "write_movie",
]
