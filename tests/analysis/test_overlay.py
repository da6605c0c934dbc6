"""The overlay PNG (Pillow only): circles, neck bar, scale bar and grey scale where they belong."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PIL import Image

from nanosinter.analysis._overlay import _scale_bar_nm, write_overlay
from nanosinter.geometry import DimerGeometry


def _geometry(c1_nm, c2_nm, r1_nm, r2_nm, *, contact=True) -> DimerGeometry:
    mid_nm = ((c1_nm[0] + c2_nm[0]) / 2, (c1_nm[1] + c2_nm[1]) / 2)
    return DimerGeometry(r1_nm=r1_nm, r2_nm=r2_nm, neck_radius_nm=3.0,
                         neck_curvature_radius_nm=2.5, contact=contact,
                         gap_nm=0.0 if contact else 0.8, lobe1_xy_nm=c1_nm, lobe2_xy_nm=c2_nm,
                         neck_xy_nm=mid_nm)


def _noisy(n_px: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(1.0, 0.1, (n_px, n_px)).astype(np.float32)


def _render(tmp_path, frame, geom, *, pixel_size_nm, drift_px=(0.0, 0.0), title="frame 1",
            name="ov.png") -> np.ndarray:
    out = write_overlay(frame, geom, tmp_path / name, pixel_size_nm=pixel_size_nm,
                        drift_px=drift_px, title=title)
    assert out == tmp_path / name
    with Image.open(out) as im:
        assert im.format == "PNG" and im.mode == "RGB"
        return np.asarray(im).astype(int)


def _masks(rgb: np.ndarray) -> dict[str, np.ndarray]:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return {"red": (r > 200) & (g < 60) & (b < 60),
            "green": (g > 200) & (r < 60) & (b < 60),
            "yellow": (r > 200) & (g > 200) & (b < 60)}


def _to_picture(xy_nm, *, pixel_size_nm, drift_px, scale, strip_px):
    """Expected picture position (x, y) of a point: frame pixel u -> (u + 1/2) scale - 1/2."""
    u = xy_nm[0] / pixel_size_nm + drift_px[0]
    v = xy_nm[1] / pixel_size_nm + drift_px[1]
    return (u + 0.5) * scale - 0.5, (v + 0.5) * scale - 0.5 + strip_px


def _ring(mask: np.ndarray, centre_xy, radius_px: float):
    """Pixels of ``mask`` within 1.6 radii of ``centre_xy`` (not the legend's sample line):
    their count, median distance from the centre, centroid (x, y) and the centre (x, y) of
    the circle fitted to them (least squares on x^2 + y^2 = 2 a x + 2 b y + c: unbiased where
    the neck bar covers part of the circle, unlike the centroid)."""
    yx = np.argwhere(mask).astype(float)
    d = np.hypot(yx[:, 1] - centre_xy[0], yx[:, 0] - centre_xy[1])
    yx, d = yx[d < 1.6 * radius_px], d[d < 1.6 * radius_px]
    y, x = yx[:, 0], yx[:, 1]
    (a, b, _), *_ = np.linalg.lstsq(np.c_[2 * x, 2 * y, np.ones_like(x)], x**2 + y**2,
                                    rcond=None)
    return len(d), float(np.median(d)), (x.mean(), y.mean()), (a, b)


# (frame side px, nm/px, picture scale = upscale / binning): binned 1024 -> 512, 64 x 7 = 448.
CASES = [(1024, 0.04, 0.5), (64, 0.6, 7.0)]


@pytest.mark.parametrize(("n_px", "ps_nm", "scale"), CASES)
@pytest.mark.parametrize("drift_px", [(0.0, 0.0), (6.4, -4.2)])
def test_circles_and_neck_where_the_geometry_says(tmp_path, n_px, ps_nm, scale, drift_px):
    width_nm = n_px * ps_nm
    c1_nm, c2_nm = (0.37 * width_nm, 0.55 * width_nm), (0.62 * width_nm, 0.52 * width_nm)
    r1_nm, r2_nm = 0.13 * width_nm, 0.11 * width_nm
    geom = _geometry(c1_nm, c2_nm, r1_nm, r2_nm)
    rgb = _render(tmp_path, _noisy(n_px), geom, pixel_size_nm=ps_nm, drift_px=drift_px)
    side_px = round(n_px * scale)
    assert rgb.shape[1] == side_px and rgb.shape[0] > side_px  # title strip above
    strip_px = rgb.shape[0] - side_px
    masks = _masks(rgb)
    pos = dict(pixel_size_nm=ps_nm, drift_px=drift_px, scale=scale, strip_px=strip_px)
    for colour, c_nm, r_nm in (("red", c1_nm, r1_nm), ("green", c2_nm, r2_nm)):
        centre = _to_picture(c_nm, **pos)
        r_px = r_nm / ps_nm * scale
        n, med, _, (xc, yc) = _ring(masks[colour], centre, r_px)
        assert n > 0.5 * 2 * np.pi * r_px  # dashes, ~2 px wide, about half the circumference
        assert med == pytest.approx(r_px, abs=1.5)
        assert xc == pytest.approx(centre[0], abs=1.0) and yc == pytest.approx(centre[1], abs=1.0)
    # The neck bar: across the line of centres through the neck point, 2 r long.
    yx = np.argwhere(masks["yellow"])
    yx = yx[yx[:, 0] > strip_px + 0.2 * side_px]  # not the legend's sample line
    neck = _to_picture(geom.neck_xy_nm, **pos)
    assert len(yx) > 10
    assert yx[:, 1].mean() == pytest.approx(neck[0], abs=1.5)
    assert yx[:, 0].mean() == pytest.approx(neck[1], abs=1.5)
    extent_px = np.hypot(*(yx.max(axis=0) - yx.min(axis=0)))
    assert extent_px == pytest.approx(2 * geom.neck_radius_nm / ps_nm * scale, abs=3.0)


def test_drift_moves_the_circles(tmp_path):
    ps_nm, scale = 0.6, 7.0
    geom = _geometry((14.0, 20.0), (24.0, 19.0), 4.5, 4.0)
    frame = _noisy(64)
    cents = []
    for k, drift_px in enumerate(((0.0, 0.0), (3.0, -2.5))):
        red = _masks(_render(tmp_path, frame, geom, pixel_size_nm=ps_nm, drift_px=drift_px,
                             name=f"d{k}.png"))["red"]
        cents.append(_ring(red, _to_picture(geom.lobe1_xy_nm, pixel_size_nm=ps_nm,
                                            drift_px=drift_px, scale=scale,
                                            strip_px=red.shape[0] - 448), 4.5 / ps_nm * scale)[3])
    assert cents[1][0] - cents[0][0] == pytest.approx(3.0 * scale, abs=1.0)
    assert cents[1][1] - cents[0][1] == pytest.approx(-2.5 * scale, abs=1.0)


def test_yellow_bar_only_in_contact(tmp_path):
    geom = _geometry((14.0, 20.0), (24.0, 19.0), 4.5, 4.0, contact=True)
    frame = _noisy(64)
    touching = _masks(_render(tmp_path, frame, geom, pixel_size_nm=0.6, name="c.png"))
    apart = _masks(_render(tmp_path, frame, geom.replace(contact=False), pixel_size_nm=0.6,
                           name="g.png"))
    assert touching["yellow"].sum() > 20
    assert apart["yellow"].sum() == 0
    # Nothing covers the circles here: their pixels' centroids are the lobe centres.
    strip_px = apart["red"].shape[0] - 448
    for colour, c_nm, r_nm in (("red", geom.lobe1_xy_nm, 4.5), ("green", geom.lobe2_xy_nm, 4.0)):
        centre = _to_picture(c_nm, pixel_size_nm=0.6, drift_px=(0, 0), scale=7.0,
                             strip_px=strip_px)
        n, med, (xc, yc), _ = _ring(apart[colour], centre, r_nm / 0.6 * 7.0)
        assert n > 100 and med == pytest.approx(r_nm / 0.6 * 7.0, abs=1.5)
        assert xc == pytest.approx(centre[0], abs=1.5) and yc == pytest.approx(centre[1], abs=1.5)


def test_scale_bar_length(tmp_path):
    # 1024 px x 0.04 nm = 40.96 nm wide: a fifth is 8.2 nm -> a 10 nm bar, 125 picture px.
    rgb = _render(tmp_path, _noisy(1024) * 0.5, None, pixel_size_nm=0.04, title="")
    assert rgb.shape == (512, 512, 3)  # no title strip
    white = (rgb == 255).all(axis=2)[256:, :256]  # bottom-left quarter
    longest = 0
    for row in white:
        runs = np.diff(np.flatnonzero(np.diff(np.r_[0, row.astype(int), 0])))[::2]
        longest = max(longest, runs.max(initial=0))
    assert longest == pytest.approx(10.0 / 0.04 * 0.5, abs=2.0)
    assert [_scale_bar_nm(w) for w in (40.96, 38.4, 1000.0, 3.0, 7.0)] == [10, 10, 200, 0.5, 1]


def test_grey_scale_and_non_finite_pixels(tmp_path):
    """Stretched between the 0.5 and 99.5 percentiles; NaN pixels at the low end (black)."""
    frame = np.tile(np.linspace(0.0, 1.0, 64), (64, 1))
    frame[30:40, 30:40] = np.nan
    grey = _render(tmp_path, frame, None, pixel_size_nm=0.5, title="")[..., 0]
    assert grey.shape == (448, 448)
    col_px = lambda j: 7 * j + 3  # noqa: E731  (centre of frame column j, upscaled x 7)
    row_px = 7 * 10 + 3
    assert grey[row_px, col_px(0)] == 0 and grey[row_px, col_px(63)] == 255
    assert grey[row_px, col_px(32)] == pytest.approx(255 * 0.5, abs=3)
    assert (grey[7 * 30:7 * 40, 7 * 30:7 * 40] == 0).all()


@pytest.mark.parametrize("frame", [np.full((64, 80), np.nan), np.full((64, 80), 3.0)],
                         ids=["all-nan", "constant"])
def test_degenerate_frames_write_a_valid_png(tmp_path, frame):
    geom = _geometry((14.0, 20.0), (24.0, 19.0), 4.5, 4.0)
    rgb = _render(tmp_path, frame, geom, pixel_size_nm=0.6)
    assert rgb.shape[1] == 80 * 5 and rgb.shape[0] > 64 * 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ov.png"]  # no temporary left


def test_no_geometry_no_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # any import of it would fail
    rgb = _render(tmp_path, _noisy(64), None, pixel_size_nm=0.6, title="frame 0, t = 0 s")
    assert not any(m.any() for m in _masks(rgb).values())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ov.png"]


def test_legend_moves_to_the_corner_where_it_hides_no_circle(tmp_path):
    """With lobe 2 in the top-right corner the legend goes elsewhere: the whole dashed green
    circle stays visible and the legend's dark box sits top left."""
    n_px, ps_nm = 512, 0.1
    width_nm = n_px * ps_nm
    c1_nm, c2_nm = (0.4 * width_nm, 0.6 * width_nm), (0.8 * width_nm, 0.18 * width_nm)
    geom = _geometry(c1_nm, c2_nm, 0.1 * width_nm, 0.12 * width_nm, contact=False)
    rgb = _render(tmp_path, _noisy(n_px), geom, pixel_size_nm=ps_nm, title="")
    green = _masks(rgb)["green"]
    yx = np.argwhere(green)
    centre = np.array([c2_nm[1], c2_nm[0]]) / ps_nm
    ring = np.abs(np.hypot(*(yx - centre).T) - 0.12 * width_nm / ps_nm) < 4
    # Dashes cover about half of the outline: every one of 16 arcs of the circle has some.
    ang = np.arctan2(*(yx[ring] - centre).T)
    hist, _ = np.histogram(ang, bins=16, range=(-np.pi, np.pi))
    assert np.all(hist > 0), hist
    # ... and the legend is not in the top-right corner: its dark box is elsewhere.
    corner = rgb[4:40, -200:-4].mean()
    assert corner > rgb[4:40, 4:200].mean(), "legend box should sit top left"
