"""Fixtures for the rendering tests (forward models in imaging_forward.py)."""

from __future__ import annotations

import pytest
from imaging_forward import two_spheres, write_simdir


@pytest.fixture
def dimer_simdir(tmp_path):
    """Two R = 3 nm spheres: apart (gap 1 nm) at t = 0 and 1 s, in contact from t = 2 s."""
    apart = two_spheres(3.0, 1.0)
    touching = two_spheres(3.0, -0.6)
    return write_simdir(
        tmp_path / "sim",
        [(0.0, *apart), (1.0, *apart), (2.0, *touching), (3.0, *touching)],
    )
