"""``dilate4`` (shifted-OR cross dilation) equals scipy's binary dilation on any mask."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage as ndi

from nanosinter.analysis._segment import dilate4


@given(mask=arrays(bool, st.tuples(st.integers(1, 24), st.integers(1, 24))),
       iterations=st.integers(1, 6))
def test_dilate4_matches_scipy(mask, iterations):
    expected = ndi.binary_dilation(mask, iterations=iterations)
    got = dilate4(mask, iterations)
    np.testing.assert_array_equal(got, expected)
    assert not (mask & ~got).any()  # the input is inside its dilation


def test_dilate4_rejects_zero_iterations():
    with pytest.raises(ValueError, match="iterations"):
        dilate4(np.ones((3, 3), bool), 0)
