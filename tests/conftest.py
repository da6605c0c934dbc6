"""Shared fixtures: the real-data folder beside the checkout, temporary output folders."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = Path(
    os.environ.get("NANOSINTER_REAL_DATA", REPO_ROOT.parent / "shared" / "data" / "real")
)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of real microscope files (``../shared/data/real``); skip when absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data folder {REAL_DATA} is absent (set NANOSINTER_REAL_DATA)")
    return REAL_DATA


# Property-based tests explore new examples on every local run; CI (CI=true) replays a fixed,
# derandomised set so that a landing does not depend on the draw.
from hypothesis import settings as _hyp_settings  # noqa: E402

_hyp_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hyp_settings.load_profile("ci")
