"""Typed exceptions shared by the whole package.

Every error a user can cause derives from :class:`NanosinterError`; the CLI turns any of them
into one line on stderr and exit code 2. They also derive from the matching built-in
(``ValueError``, ``KeyError``, ``OSError``) so ordinary ``except ValueError`` code keeps working.
"""

from __future__ import annotations


class NanosinterError(Exception):
    """Base class of all errors raised deliberately by nanosinter."""


class InputError(NanosinterError, ValueError):
    """An argument has a value outside what is allowed (negative energy, wrong length...)."""


class UnknownElementError(InputError):
    """An element symbol that is not in the periodic table or not in the chosen data set."""


class ConfigError(InputError):
    """A simulation or analysis configuration is invalid (unknown key, bad value...)."""


class FileFormatError(NanosinterError, OSError):
    """A file is missing, corrupt, truncated or of an unsupported format."""


class AnalysisError(NanosinterError, RuntimeError):
    """A measurement cannot be made on the given data (blank frame, no particle...)."""


__all__ = [
    "AnalysisError",
    "ConfigError",
    "FileFormatError",
    "InputError",
    "NanosinterError",
    "UnknownElementError",
]
