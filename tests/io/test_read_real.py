"""Every real microscope file in ../shared/data/real loads with the right shape and calibration.

Expected calibration values are read independently from the raw headers (numpy/h5py/tifffile)
where that is simple, so the test checks what the file really stores, not what rsciio says.
"""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
import tifffile

from nanosinter.errors import FileFormatError
from nanosinter.io import CalibrationWarning, MissingCalibrationWarning, read_movie


def test_tia_emi_and_ser(real_data):
    for name in ("128x128-TEM_search.emi", "128x128-TEM_search_1.ser"):
        m = read_movie(real_data / "formats" / name)
        assert m.shape == (1, 128, 128)
        assert m.metadata["format"] == "TIA"
        # README: ~5.26 nm/px
        assert m.pixel_size_nm == pytest.approx(5.2612, rel=1e-4)


def test_mrc_pixel_size_from_header(real_data):
    path = real_data / "formats" / "HAADFscan.mrc"
    hdr = np.fromfile(path, dtype="<i4", count=10)
    xlen_A = float(np.fromfile(path, dtype="<f4", count=11)[10])
    mx = int(hdr[7])
    m = read_movie(path)
    assert m.shape == (1, int(hdr[1]), int(hdr[0]))
    assert m.pixel_size_nm == pytest.approx(xlen_A / mx / 10.0, rel=1e-6)  # Å -> nm


def test_dm4_3d_stack_with_odd_units(real_data):
    path = real_data / "formats" / "dmTest_3D_int16_64,65,66.dm4"
    with pytest.warns(CalibrationWarning) as rec:
        m = read_movie(path)
    messages = " ".join(str(w.message) for w in rec)
    assert "non-square" in messages and "frame interval" in messages
    assert m.shape == (66, 65, 64)
    assert m.dtype == np.int16
    # the test file stores x in pm (2 pm), y in nm (3 nm) and z in µm: x is used, converted
    assert m.pixel_size_nm == pytest.approx(0.002)
    assert m.frame_times_s is None  # the stack axis is z (µm), not time


def test_velox_emd_time_axis(real_data):
    path = real_data / "formats" / "fei_example_tem_stack.emd"
    with h5py.File(path, "r") as f:
        group = next(iter(f["Data/Image"].values()))
        meta = json.loads(bytes(group["Metadata"][:, 0]).decode("utf-8").rstrip("\x00"))
    px_nm = float(meta["BinaryResult"]["PixelSize"]["width"]) * 1e9  # stored in m
    m = read_movie(path)
    assert m.shape == (2, 3, 3)
    assert m.pixel_size_nm == pytest.approx(px_nm, rel=1e-6)
    assert m.frame_interval_s == pytest.approx(0.8)
    np.testing.assert_allclose(m.frame_times_s, [0.0, 0.8])


def test_multi_signal_dm3_picks_the_image(real_data):
    m = read_movie(real_data / "formats" / "multi_signal.dm3")
    assert m.shape == (1, 512, 512)
    assert m.metadata["n_signals"] == 2
    assert m.metadata["signal_title"] == "HAADF"
    assert m.pixel_size_nm == pytest.approx(0.017751578, rel=1e-6)  # README: ~17.75 pm/px
    with pytest.raises(FileFormatError, match="not an image"):
        read_movie(real_data / "formats" / "multi_signal.dm3", signal=1)


def test_blockfile_scan_flattened_to_frames(real_data):
    with pytest.warns(MissingCalibrationWarning, match="diffraction"):
        m = read_movie(real_data / "formats" / "test1.blo", fps=2.0)
    assert m.shape == (6, 144, 144)
    assert m.dtype == np.uint8
    assert m.pixel_size_nm is None
    assert m.frame_interval_s == pytest.approx(0.5)


def test_dm_tiff_stack(real_data):
    path = real_data / "formats" / "test_loading_image_saved_with_DM_stack.tif"
    with tifffile.TiffFile(path) as tif:
        tags = tif.pages[0].tags
        x_um = float(tags[65009].value)
        t_s = float(tags[65011].value)
    with pytest.warns(CalibrationWarning, match="non-square"):
        m = read_movie(path)
    assert m.shape == (2, 68, 68)
    assert m.pixel_size_nm == pytest.approx(x_um * 1e3, rel=1e-6)
    assert m.frame_interval_s == pytest.approx(t_s)


def test_imagej_tiff_stack(real_data):
    path = real_data / "formats" / "test_loading_image_saved_with_imageJ_stack.tif"
    with tifffile.TiffFile(path) as tif:
        num, den = tif.pages[0].tags["XResolution"].value
        assert tif.imagej_metadata["unit"] == "micron"
    with pytest.warns(MissingCalibrationWarning, match="frame interval"):
        m = read_movie(path)
    assert m.shape == (2, 68, 68)
    assert m.pixel_size_nm == pytest.approx(den / num * 1e3, rel=1e-6)


def test_berkeley_emd_n_m_units(real_data):
    path = real_data / "hrtem" / "Acquisition_18.emd"
    with h5py.File(path, "r") as f:
        group = f["data"][next(iter(f["data"]))]
        dim = group["dim1"]
        units = dim.attrs["units"]
        step = float(dim[1] - dim[0])
    assert "n_m" in str(units)
    m = read_movie(path)
    assert m.shape == (1, 1024, 1024)
    assert m.pixel_size_nm == pytest.approx(step, rel=1e-6)
    assert m.pixel_size_nm == pytest.approx(0.01225, rel=1e-3)  # README


def test_jeol_haadf_nanoparticles(real_data):
    m = read_movie(real_data / "nanoparticles" / "JEOL_HAADF_Image.dm4")
    assert m.shape == (1, 112, 112)
    assert m.pixel_size_nm == pytest.approx(1.249, rel=1e-3)  # stored in µm


def test_insitu_au_png_sequence(real_data):
    folder = real_data / "insitu_au_750C" / "raw"
    with pytest.warns(MissingCalibrationWarning) as rec:
        m = read_movie(folder)
    assert len(rec) == 2  # pixel size and frame interval
    assert "--pixel-size-nm" in str(rec[0].message)
    assert m.shape == (194, 369, 369)
    assert m.dtype == np.uint8
    files = m.metadata["files"]
    names = [f.rsplit("/", 1)[-1] for f in files[:3]]
    assert names == ["frame_1.png", "frame_2.png", "frame_3.png"]
    assert files[-1].endswith("frame_194.png")
    # only ~19 grey levels in this 8-bit export
    assert 10 <= np.unique(m.frames[0]).size <= 40


def test_insitu_glob_with_explicit_calibration_is_silent(real_data):
    pattern = str(real_data / "insitu_au_750C" / "raw" / "frame_1*.png")
    m = read_movie(pattern, pixel_size_nm=0.5, fps=4.0, lazy=True)
    assert m.is_lazy
    assert m.pixel_size_nm == 0.5
    assert m.frame_interval_s == pytest.approx(0.25)
    names = [f.rsplit("/", 1)[-1] for f in m.metadata["files"]]
    assert names[:3] == ["frame_1.png", "frame_10.png", "frame_11.png"]
    assert names.index("frame_19.png") < names.index("frame_100.png")
    eager = read_movie(m.metadata["files"][5], pixel_size_nm=0.5)
    np.testing.assert_array_equal(m.frame(5), eager.frame(0))


def test_spectrum_is_not_a_movie(real_data):
    with pytest.raises(FileFormatError, match=r"test-EDS_spectrum\.dm3.*no image"):
        read_movie(real_data / "edx" / "test-EDS_spectrum.dm3")
