"""Reader/writer behaviour on files made in the test: units, ordering, errors, round trips."""

from __future__ import annotations

import json
import sys

import dask.array as da
import imageio.v3 as iio
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanosinter.cli.main import main
from nanosinter.errors import FileFormatError, InputError
from nanosinter.io import (
    MissingCalibrationWarning,
    Movie,
    length_factor_to_nm,
    read_movie,
    time_factor_to_s,
    write_movie,
)


@pytest.mark.parametrize(
    ("unit", "factor"),
    [
        ("nm", 1.0),
        ("n_m", 1.0),
        ("NM", 1.0),
        ("Å", 0.1),
        ("\u212b", 0.1),
        ("A", 0.1),
        ("angstrom", 0.1),
        ("µm", 1e3),
        ("μm", 1e3),
        ("um", 1e3),
        ("micron", 1e3),
        ("pm", 1e-3),
        ("m", 1e9),
        ("cm", 1e7),
    ],
)
def test_length_units(unit, factor):
    assert length_factor_to_nm(unit) == pytest.approx(factor)


@pytest.mark.parametrize("unit", [None, "", "<undefined>", "1/nm", "eV", "px"])
def test_non_length_units_are_none(unit):
    assert length_factor_to_nm(unit) is None


def test_time_units():
    assert time_factor_to_s("ms") == pytest.approx(1e-3)
    assert time_factor_to_s("s") == 1.0
    assert time_factor_to_s("min") == 60.0
    assert time_factor_to_s("nm") is None


def _frames(n=3, ny=5, nx=7, dtype=np.uint16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 1000, size=(n, ny, nx)).astype(dtype)


def test_png_folder_natural_order(tmp_path):
    frames = _frames(n=12, dtype=np.uint8)
    for i, f in enumerate(frames, start=1):
        iio.imwrite(tmp_path / f"frame_{i}.png", f)
    (tmp_path / "notes.txt").write_text("not a frame")
    m = read_movie(tmp_path, pixel_size_nm=0.2, fps=10)
    np.testing.assert_array_equal(m.frames, frames)  # frame_2 before frame_10
    np.testing.assert_allclose(m.frame_times_s, np.arange(12) / 10)


def test_frame_size_mismatch_is_an_error(tmp_path):
    iio.imwrite(tmp_path / "f1.png", np.zeros((4, 4), np.uint8))
    iio.imwrite(tmp_path / "f2.png", np.zeros((5, 4), np.uint8))
    with pytest.raises(FileFormatError, match=r"f2\.png.*differs"):
        read_movie(tmp_path, pixel_size_nm=1, fps=1)


def test_missing_and_unsupported(tmp_path):
    with pytest.raises(FileFormatError, match="no such file"):
        read_movie(tmp_path / "absent.dm4")
    bad = tmp_path / "data.xyz"
    bad.write_bytes(b"123")
    with pytest.raises(FileFormatError, match=r"data\.xyz.*unsupported.*\.dm4"):
        read_movie(bad)
    with pytest.raises(FileFormatError, match="glob matches no files"):
        read_movie(str(tmp_path / "nothing_*.png"))
    with pytest.raises(InputError, match="pixel_size_nm"):
        read_movie(bad, pixel_size_nm=-1)


GARBAGE_SUFFIXES = [".dm3", ".dm4", ".emd", ".ser", ".mrc", ".tif", ".blo", ".hspy"]


@pytest.mark.parametrize("suffix", GARBAGE_SUFFIXES)
def test_garbage_files_raise_file_format_error(tmp_path, suffix):
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(np.random.default_rng(1).bytes(3000))
    with pytest.raises(FileFormatError, match=rf"garbage\{suffix}: cannot be read as"):
        read_movie(path)


def test_truncated_real_file(real_data, tmp_path):
    src = (real_data / "formats" / "multi_signal.dm3").read_bytes()
    path = tmp_path / "cut.dm3"
    path.write_bytes(src[: len(src) // 3])
    with pytest.raises(FileFormatError, match=r"cut\.dm3.*DigitalMicrograph"):
        read_movie(path)


def test_video_without_extra_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00" * 100)
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import now raises ImportError
    with pytest.raises(FileFormatError, match=r"clip\.mp4.*'video' extra"):
        read_movie(path)


@pytest.mark.parametrize("suffix", [".hspy", ".h5", ".emd", ".tif"])
@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_round_trip_identical(tmp_path, suffix, dtype):
    movie = Movie(
        frames=_frames(dtype=dtype), pixel_size_nm=0.1234567, frame_times_s=np.arange(3) * 0.25
    )
    out = write_movie(movie, tmp_path / f"m{suffix}")
    assert [p.name for p in tmp_path.iterdir()] == [f"m{suffix}"]  # no temp file left
    back = read_movie(out)
    np.testing.assert_array_equal(back.frames, movie.frames)
    assert back.dtype == movie.dtype
    assert back.pixel_size_nm == pytest.approx(0.1234567, rel=1e-6)
    assert back.frame_interval_s == pytest.approx(0.25, rel=1e-9)


def test_round_trip_non_uniform_times_hspy(tmp_path):
    times = np.array([0.0, 0.3, 1.7])
    movie = Movie(frames=_frames(), pixel_size_nm=0.5, frame_times_s=times)
    back = read_movie(write_movie(movie, tmp_path / "m.hspy"))
    np.testing.assert_allclose(back.frame_times_s, times)


def test_round_trip_lazy_frames(tmp_path):
    frames = _frames(n=4)
    movie = Movie(frames=da.from_array(frames, chunks=(1, 5, 7)), pixel_size_nm=1.0,
                  frame_times_s=np.arange(4.0))
    back = read_movie(write_movie(movie, tmp_path / "lazy.hspy"), lazy=True)
    assert back.is_lazy
    np.testing.assert_array_equal(np.asarray(back.frames), frames)
    # TIFF written frame by frame from dask; read eagerly (rsciio's lazy TIFF keeps the file open)
    back = read_movie(write_movie(movie, tmp_path / "lazy.tif"))
    np.testing.assert_array_equal(back.frames, frames)


def test_uncalibrated_round_trip_warns(tmp_path):
    out = write_movie(Movie(frames=_frames(n=1)), tmp_path / "u.hspy")
    with pytest.warns(MissingCalibrationWarning, match="--pixel-size-nm"):
        back = read_movie(out)
    assert back.pixel_size_nm is None


def test_write_errors(tmp_path):
    movie = Movie(frames=_frames(), pixel_size_nm=1.0)
    with pytest.raises(FileFormatError, match="cannot write"):
        write_movie(movie, tmp_path / "m.avi")
    with pytest.raises(InputError, match="float64"):
        write_movie(Movie(frames=_frames(dtype=np.float64)), tmp_path / "m.tif")
    with pytest.raises(InputError, match="n_frames"):
        write_movie(Movie(frames=np.zeros((4, 4))), tmp_path / "m.hspy")
    assert not any(tmp_path.iterdir())


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 4),
    ny=st.integers(1, 9),
    nx=st.integers(1, 9),
    px=st.floats(1e-3, 1e3),
    dt=st.floats(1e-3, 1e3),
    suffix=st.sampled_from([".hspy", ".tif"]),
)
def test_round_trip_property(tmp_path_factory, n, ny, nx, px, dt, suffix):
    frames = _frames(n=n, ny=ny, nx=nx, dtype=np.float32, seed=n * ny * nx)
    movie = Movie(frames=frames, pixel_size_nm=px, frame_times_s=np.arange(n) * dt)
    path = tmp_path_factory.mktemp("rt") / f"p{suffix}"
    if suffix == ".tif" and nx == 1:
        with pytest.raises(InputError, match="1 pixel wide"):
            write_movie(movie, path)
        assert not path.exists()
        return
    if n > 1:
        back = read_movie(write_movie(movie, path))
        assert back.frame_interval_s == pytest.approx(dt, rel=1e-6)
    else:
        back = read_movie(write_movie(movie, path))
    np.testing.assert_array_equal(back.frames, frames)
    assert back.pixel_size_nm == pytest.approx(px, rel=1e-6)


def test_info_cli_json(tmp_path, capsys):
    movie = Movie(frames=_frames(n=5), pixel_size_nm=0.1, frame_times_s=np.arange(5) * 2.0)
    for suffix in (".hspy", ".emd", ".tif"):
        path = write_movie(movie, tmp_path / f"i{suffix}")
        assert main(["info", str(path), "--json"]) == 0
        rec = json.loads(capsys.readouterr().out)
        assert rec["shape"] == [5, 5, 7]
        assert rec["n_frames"] == 5
        assert rec["dtype"] == "uint16"
        assert rec["pixel_size_nm"] == pytest.approx(0.1, rel=1e-6)
        assert rec["frame_interval_s"] == pytest.approx(2.0)
        assert set(rec) == {"format", "shape", "n_frames", "dtype", "pixel_size_nm",
                            "frame_interval_s"}


def test_info_cli_unknown_calibration_is_null(tmp_path, capsys):
    path = write_movie(Movie(frames=_frames(n=1)), tmp_path / "u.emd")
    with pytest.warns(MissingCalibrationWarning):
        assert main(["info", str(path), "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["pixel_size_nm"] is None and rec["frame_interval_s"] is None


def test_info_cli_bad_file_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.dm4"
    bad.write_bytes(b"nope")
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.dm4" in err


def test_video_round_trip_through_ffmpeg(tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    import imageio.v2 as iio2

    # smooth frames survive lossy H.264 well enough to identify them
    xx = np.mgrid[0:64, 0:64][1]
    frames = [((np.sin(xx / 6.0 + k) + 1) * 100 + 20).astype(np.uint8) for k in range(6)]
    path = tmp_path / "clip.mp4"
    with iio2.get_writer(path, format="FFMPEG", fps=5, macro_block_size=16) as w:
        for f in frames:
            w.append_data(np.repeat(f[..., None], 3, axis=-1))
    with pytest.warns(MissingCalibrationWarning, match="pixel size"):
        m = read_movie(path)
    assert m.shape == (6, 64, 64)
    assert m.frame_interval_s == pytest.approx(0.2)
    assert np.abs(m.frames[3].astype(float) - frames[3]).mean() < 5.0
