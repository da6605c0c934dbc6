import os
import stat

import pytest

from nanosinter._atomic import atomic_dir, atomic_open, atomic_write_text


def test_atomic_write_replaces_only_when_complete(tmp_path):
    target = tmp_path / "out.csv"
    atomic_write_text(target, "old\n")
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half-writ")
        raise RuntimeError("killed")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_atomic_file_gets_umask_mode(tmp_path):
    target = tmp_path / "x.txt"
    atomic_write_text(target, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_atomic_dir_keeps_old_on_failure(tmp_path):
    d = tmp_path / "run"
    with atomic_dir(d) as tmp:
        (tmp / "a.txt").write_text("1")
    with pytest.raises(ValueError), atomic_dir(d) as tmp:
        (tmp / "a.txt").write_text("2")
        raise ValueError("boom")
    assert (d / "a.txt").read_text() == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
