"""``-o`` writes through to what the user named: stdout, a FIFO or a device written (never replaced), links followed.

Only a regular file is written atomically (temporary file + rename), keeping
its permissions; a failure leaves it as it was.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from geo import atomic
from geo.errors import ExportError

ROOT = Path(__file__).resolve().parents[1]


def geo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, timeout=300)


def test_regular_file_is_replaced_atomically_keeping_its_mode(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old")
    target.chmod(0o640)
    assert atomic.write_output(target, "new ✓") == str(target)
    assert target.read_text(encoding="utf-8") == "new ✓" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_a_failure_mid_write_leaves_the_previous_file(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic.open_output(target) as fh:
        fh.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "real.html"
    real.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(real)
    atomic.write_output(link, "through the link")
    assert link.is_symlink() and real.read_text() == "through the link"
    dangling = tmp_path / "dangling.html"
    dangling.symlink_to(tmp_path / "made.html")
    atomic.write_output(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "made.html").read_text() == "made"


def test_a_fifo_is_written_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    atomic.write_output(fifo, b"streamed")
    reader.join(timeout=30)
    assert got == [b"streamed"] and stat.S_ISFIFO(fifo.stat().st_mode)
    assert atomic.target_for(fifo, ".gpkg") == fifo  # no suffix is added to a FIFO


def test_a_device_is_written_not_replaced():
    atomic.write_output("/dev/null", b"nothing")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_folder_or_a_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(ExportError, match="the output is a folder"):
        atomic.write_output(tmp_path, "x")
    with pytest.raises(ExportError, match="the output folder does not exist"):
        atomic.write_output(tmp_path / "no" / "such.html", "x")


def test_cli_dash_writes_the_output_to_stdout_and_messages_to_stderr():
    out = geo("export", "--layer", "zones", "--format", "geojson", "-o", "-")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["type"] == "FeatureCollection"
    assert "wrote stdout" in out.stderr.decode()


def test_cli_check_report_to_stdout():
    out = geo("check", str(ROOT / "data" / "parcels" / "zones.geojson"), "-o", "-")
    assert out.returncode == 0, out.stderr
    assert out.stdout.lstrip().lower().startswith(b"<!doctype html")
    assert b"features; CRS" in out.stderr  # the listing went to stderr


def test_cli_outputs_to_dev_null_keep_the_device():
    for args in (["export", "--layer", "zones", "--format", "gpkg", "-o", "/dev/null"],
                 ["rasterize", "--cell", "50", "-o", "/dev/null"],
                 ["check", str(ROOT / "data" / "parcels" / "zones.geojson"), "-o", "/dev/null"]):
        out = geo(*args)
        assert out.returncode == 0, out.stderr
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode), args
    assert not Path("/dev/null.gpkg").exists()


def test_cli_rasterize_through_a_symlink(tmp_path):
    real = tmp_path / "store" / "allocation.tif"
    real.parent.mkdir()
    link = tmp_path / "allocation.tif"
    link.symlink_to(real)
    out = geo("rasterize", "--cell", "50", "-o", str(link))
    assert out.returncode == 0, out.stderr
    assert link.is_symlink() and real.stat().st_size > 0
    assert (tmp_path / "allocation.tif.aux.xml").exists() and (tmp_path / "allocation_output_per_mu.tif").exists()
