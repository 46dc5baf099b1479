"""Hostile input files for the readers (issue 19 part 5), built in a folder; the reads the issue names, timed.

Every file of :data:`CASES` is built by a function here (nothing is committed):
numbers of thousands of digits where the 部标坐标txt, a CSV, a KML or a WKT has
a number; NaN and infinite coordinates; absurd zone numbers; one parcel of
20,000 rings and a ring of 10^6 points; KMLs of 2,000 and 10,000 folders;
zip archives whose headers lie; a 50 MB WKT cell; a GeoJSON of 5,000-digit numbers. ``tests/test_io_hostile_set.py``
runs ``python -m geo check`` (and ``convert`` for a few) on each and asserts one
clear line or a clean read, bounded in time and memory (:func:`run_cli`).

``python -m bench.hostile [--repeats N]`` prints the medians of the reads the
issue asks to measure: the 2,000- and 10,000-folder KML and the 10^4-ring
部标坐标txt, read by :func:`geo.io.files.read_file` in the limited worker as the
app and the CLI read them.
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import shapely

from bench.timing import machine, timed

ROOT: Final = Path(__file__).resolve().parents[1]

# --- 部标坐标txt ---------------------------------------------------------------------

#: A point of the High-tech Zone in CGCS2000 3° GK zone 35 with the zone prefix (east, north), metres.
E0, N0 = 35_620_000.0, 3_270_000.0
ZB_HEADER: Final = {
    "格式版本号": "1.01版本",
    "坐标系": "2000国家大地坐标系",
    "几度分带": "3",
    "投影类型": "高斯克吕格",
    "计量单位": "米",
    "带号": "35",
    "转换参数": ",,,,,,",
}
#: 5,000 digits: over Python's int-from-text limit of 4,300.
DIGITS: Final = "1" * 5000


def square(e: float, n: float, size: float) -> np.ndarray:
    """A closed square ring (east, north) from its south-west corner."""
    return np.array([(e, n), (e + size, n), (e + size, n + size), (e, n + size), (e, n)])


def zb_block(rings: Iterable[np.ndarray], *, name: str = "地块", count: str | None = None,
             ring_numbers: Iterable[str] | None = None) -> str:
    """One parcel: its header line and point lines (X north, Y east), rings numbered 1, 2, 3 … unless told."""
    lines: list[str] = []
    numbers = iter(ring_numbers) if ring_numbers is not None else None
    k = 0
    for number, ring in enumerate(rings, 1):
        label = next(numbers) if numbers is not None else str(number)
        for e, n in ring:
            k += 1
            lines.append(f"J{k},{label},{n:.3f},{e:.3f}")
    head = f"{count if count is not None else len(lines)},,,{name},面,,,,@"
    return "\n".join([head, *lines])


def zb_document(blocks: Iterable[str], **header: str) -> bytes:
    """A whole 部标坐标txt (UTF-8, LF): [属性描述] with :data:`ZB_HEADER` updated by ``header``, the blocks."""
    values = {**ZB_HEADER, **header}
    lines = ["[属性描述]", *(f"{k}={v}" for k, v in values.items()), "[地块坐标]", *blocks]
    return ("\n".join(lines) + "\n").encode("utf-8")


def zb_one_square(**header: str) -> bytes:
    """One 100 m square parcel: the base the number cases edit."""
    return zb_document([zb_block([square(E0, N0, 100)])], **header)


def zb_many_rings(n: int) -> bytes:
    """One parcel of ``n`` rings: a shell with ``n - 1`` 5 m holes on a 10 m grid."""
    cols = int(np.ceil(np.sqrt(n - 1)))
    shell = square(E0, N0, cols * 10 + 20)
    holes = (square(E0 + 10 + (i % cols) * 10, N0 + 10 + (i // cols) * 10, 5) for i in range(n - 1))
    return zb_document([zb_block([shell, *holes])])


def zb_many_parts(n: int) -> bytes:
    """One parcel of ``n`` separate 5 m squares (``n`` parts) on a 10 m grid."""
    cols = int(np.ceil(np.sqrt(n)))
    return zb_document([zb_block(square(E0 + (i % cols) * 10, N0 + (i // cols) * 10, 5) for i in range(n))])


def zb_huge_ring(points: int) -> bytes:
    """One parcel whose single ring is a 500 m circle of ``points`` points (closed)."""
    t = np.linspace(0.0, 2 * np.pi, points, endpoint=False)
    ring = np.column_stack([E0 + 500 * np.cos(t), N0 + 500 * np.sin(t)])
    return zb_document([zb_block([np.vstack([ring, ring[:1]])])])


def _zb_text_edit(old: str, new: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        text = zb_one_square().decode("utf-8")
        assert old in text, old
        path.write_bytes(text.replace(old, new, 1).encode("utf-8"))

    return build


# --- KML -------------------------------------------------------------------------

_KML_HEAD: Final = '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'


def kml_placemark(i: int, coordinates: str | None = None) -> str:
    """A placemark: a ~80 m square near 106.3E 29.5N (or ``coordinates``), with a name and one Data field."""
    if coordinates is None:
        x, y = 106.3 + (i % 100) * 0.001, 29.5 + (i // 100) * 0.001
        coordinates = f"{x:.6f},{y:.6f} {x + 0.0008:.6f},{y:.6f} {x + 0.0008:.6f},{y + 0.0008:.6f} {x:.6f},{y:.6f}"
    return (f"<Placemark><name>p{i}</name><ExtendedData><Data name=\"code\"><value>c{i}</value></Data>"
            f"</ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>{coordinates}</coordinates>"
            "</LinearRing></outerBoundaryIs></Polygon></Placemark>")


def kml_folders(n: int) -> bytes:
    """A KML of ``n`` folders, one placemark each: ``n`` layers for GDAL."""
    body = "\n".join(f"<Folder><name>folder {i}</name>{kml_placemark(i)}</Folder>" for i in range(n))
    return f"{_KML_HEAD}<name>folders</name>\n{body}\n</Document></kml>\n".encode()


def kml_coordinates(coordinates: str) -> bytes:
    """A KML of one good placemark and one whose ring is ``coordinates``."""
    return f"{_KML_HEAD}{kml_placemark(0)}{kml_placemark(1, coordinates)}</Document></kml>\n".encode()


# --- zip archives whose headers lie ---------------------------------------------------


def deflate_zeros(mib: int) -> bytes:
    """A raw Deflate stream of ``mib`` MiB of zero bytes (~1 KB a MiB), built in milliseconds.

    After a full flush zlib's output for the same input is the same bytes, so one
    MiB is compressed once and its bytes repeated.
    """
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = co.compress(b"\0" * 2**20) + co.flush(zlib.Z_FULL_FLUSH)
    return chunk * mib + co.flush(zlib.Z_FINISH)


def zip_one_member(name: str, data: bytes, *, file_size: int, compress_size: int | None = None, crc: int = 0,
                   method: int = 8) -> bytes:
    """A zip of one member whose headers (local and central) declare ``file_size``, ``compress_size`` and ``crc``
    whatever ``data`` (the member's stored bytes) holds."""
    raw = name.encode()
    csize = len(data) if compress_size is None else compress_size
    fields = (20, 0, method, 0, 0x21, crc, csize, file_size, len(raw))
    local = b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields, 0) + raw
    central = b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", 20, *fields, 0, 0, 0, 0, 0, 0) + raw
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    return local + data + central + end


def kmz_header_small() -> bytes:
    """The header says 10 kB; the data inflates to 1 GiB."""
    return zip_one_member("doc.kml", deflate_zeros(1024), file_size=10_000)


def kmz_header_plausible() -> bytes:
    """The header says 999 MiB from 5.3 MB (a ratio under 200, under the 1 GiB limit); the data is a 1 GiB bomb
    padded to 5.3 MB. Before the running limit this wrote ~1 GB to the temporary folder before the CRC failed."""
    bomb = deflate_zeros(1024)
    packed = 5_300_000
    return zip_one_member("doc.kml", bomb + b"\0" * (packed - len(bomb)), file_size=999 * 2**20)


def kmz_header_huge() -> bytes:
    """The header says 4 GB; the data is one small placemark."""
    kml = f"{_KML_HEAD}{kml_placemark(0)}</Document></kml>\n".encode()
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return zip_one_member("doc.kml", co.compress(kml) + co.flush(), file_size=4_000_000_000, crc=zlib.crc32(kml))


def kmz_of(kml: bytes) -> bytes:
    """``kml`` as doc.kml in an honest KMZ."""
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    return zip_one_member("doc.kml", co.compress(kml) + co.flush(), file_size=len(kml), crc=zlib.crc32(kml))


# --- CSV --------------------------------------------------------------------------

_SQUARE_WKT: Final = "POLYGON ((106.3 29.5, 106.301 29.5, 106.301 29.501, 106.3 29.5))"


def csv_wkt(*cells: str) -> bytes:
    """A CSV with a 名称 and a wkt column, one row per cell."""
    rows = [f'p{i},"{cell}"' for i, cell in enumerate(cells)]
    return ("名称,wkt\n" + "\n".join(rows) + "\n").encode()


def csv_giant_wkt(megabytes: int) -> bytes:
    """One parcel whose WKT cell is ~``megabytes`` MB: a ~500 m circle of ~30 characters a vertex."""
    points = megabytes * 2**20 // 31
    t = np.linspace(0.0, 2 * np.pi, points, endpoint=False)
    ring = np.column_stack([106.33 + 0.005 * np.cos(t), 29.55 + 0.005 * np.sin(t)])
    wkt = shapely.to_wkt(shapely.Polygon(np.vstack([ring, ring[:1]])), rounding_precision=12)
    return csv_wkt(wkt)


def csv_lonlat(lon: str, lat: str) -> bytes:
    """A CSV of two points, the second at ``lon``, ``lat``."""
    return f"名称,lon,lat\na,106.3,29.5\nb,{lon},{lat}\n".encode()


# --- GeoJSON ---------------------------------------------------------------------


def geojson_polygon(vertex: str, value: str) -> bytes:
    """A GeoJSON parcel whose second vertex is ``vertex`` and whose property ``n`` is ``value`` (JSON text)."""
    ring = f"[[106.3, 29.5], {vertex}, [106.31, 29.51], [106.3, 29.5]]"
    return ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"n": ' + value
            + '}, "geometry": {"type": "Polygon", "coordinates": [' + ring + "]}}]}").encode()


# --- the set ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A hostile file: its name, how it is built, and whether ``convert`` is run on it too."""

    name: str
    build: Callable[[Path], object]
    convert: bool = False


def _bytes(make: Callable[[], bytes]) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(make())


_ONE_SQUARE: Final = "J1,1,3270000.000,35620000.000"
#: The set; the 部标 number cases are edits of the one-square file.
CASES: Final = (
    # numbers of 5,000 digits
    Case("zb-count-5000-digits.txt", _zb_text_edit("5,,,地块", f"{DIGITS},,,地块"), convert=True),
    Case("zb-zone-5000-digits.txt", _zb_text_edit("带号=35", f"带号={DIGITS}")),
    Case("zb-width-5000-digits.txt", _zb_text_edit("几度分带=3", f"几度分带={DIGITS}")),
    Case("zb-ring-5000-digits.txt", _zb_text_edit(_ONE_SQUARE, f"J1,{DIGITS},3270000.000,35620000.000")),
    Case("zb-coord-5000-digits.txt", _zb_text_edit(_ONE_SQUARE, f"J1,1,{DIGITS}.5,35620000.000")),
    Case("zb-area-5000-digits.txt", _zb_text_edit("5,,,地块", f"5,{DIGITS},,地块")),
    Case("zb-zone-leading-zeros.txt", _zb_text_edit("带号=35", f"带号={'0' * 5000}35")),
    # NaN, infinity and absurd zones
    Case("zb-nan.txt", _zb_text_edit(_ONE_SQUARE, "J1,1,nan,35620000.000")),
    Case("zb-inf.txt", _zb_text_edit(_ONE_SQUARE, "J1,1,3270000.000,inf")),
    Case("zb-zone-0.txt", _zb_text_edit("带号=35", "带号=0")),
    Case("zb-zone-negative.txt", _zb_text_edit("带号=35", "带号=-35")),
    Case("zb-prefix-999.txt", lambda p: p.write_bytes(zb_one_square().replace(b",356", b",9996"))),
    Case("zb-y-1e300.txt", lambda p: p.write_bytes(zb_one_square().replace(b"35620000.000", b"1e300"))),
    # huge rings
    Case("zb-20000-rings.txt", _bytes(lambda: zb_many_rings(20_000))),
    Case("zb-ring-1e6-points.txt", _bytes(lambda: zb_huge_ring(1_000_000))),
    # KML: folders, numbers
    Case("kml-2000-folders.kml", _bytes(lambda: kml_folders(2_000)), convert=True),
    Case("kml-10000-folders.kml", _bytes(lambda: kml_folders(10_000))),
    Case("kmz-2000-folders.kmz", _bytes(lambda: kmz_of(kml_folders(2_000)))),
    Case("kml-coord-5000-digits.kml",
         _bytes(lambda: kml_coordinates(f"106.3,29.5 {DIGITS},29.5 106.31,29.51 106.3,29.5"))),
    Case("kml-nan.kml", _bytes(lambda: kml_coordinates("106.3,29.5 nan,29.5 106.31,inf 106.3,29.5"))),
    Case("geojson-5000-digits.geojson", _bytes(lambda: geojson_polygon(f"[{DIGITS}, 29.5]", DIGITS))),
    # zip archives whose headers lie
    Case("kmz-header-small.kmz", _bytes(kmz_header_small)),
    Case("kmz-header-plausible.kmz", _bytes(kmz_header_plausible), convert=True),
    Case("kmz-header-huge.kmz", _bytes(kmz_header_huge)),
    # CSV: WKT and lon/lat
    Case("csv-wkt-50mb.csv", _bytes(lambda: csv_giant_wkt(50))),
    Case("csv-wkt-5000-digits.csv",
         _bytes(lambda: csv_wkt(_SQUARE_WKT, f"POLYGON ((106.3 29.5, {DIGITS} 29.5, 106.31 29.51, 106.3 29.5))")),
         convert=True),
    Case("csv-wkt-nan.csv", _bytes(lambda: csv_wkt(_SQUARE_WKT, "POLYGON ((106.3 29.5, NaN 29.5, 106.31 inf, "
                                                                "106.3 29.5))"))),
    Case("csv-lonlat-5000-digits.csv", _bytes(lambda: csv_lonlat(DIGITS, "29.5"))),
    Case("csv-lonlat-nan-inf.csv", _bytes(lambda: csv_lonlat("nan", "inf"))),
)


def build_all(folder: Path, cases: Iterable[Case] = CASES) -> dict[str, Path]:
    """Write every case into ``folder``; the paths by name."""
    out = {}
    for case in cases:
        path = folder / case.name
        case.build(path)
        out[case.name] = path
    return out


# --- running the CLI, timed and measured ---------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How a command ended: exit code, stderr, wall time and the peak resident memory of it and its workers."""

    code: int
    stderr: str
    seconds: float
    max_rss_mb: float


#: Runs the command in a child forked from this small process, waits for it and writes its ``ru_maxrss`` (kB) to
#: argv[1]: the peak of the command and of the workers it waited for. (Spawned from the test process itself, the
#: command's ``ru_maxrss`` would start at the test process's: Linux keeps a process's peak across ``exec``.)
_LAUNCHER: Final = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_cli(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120.0) -> Outcome:
    """``python -m geo ARGS`` in a subprocess, timed, its peak memory measured (see :data:`_LAUNCHER`)."""
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        rss, err = Path(tmp) / "rss", Path(tmp) / "stderr"
        with open(err, "wb") as err_fh:
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER, str(rss), sys.executable, "-m", "geo",
                                     *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err_fh,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                code = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                code = proc.wait()
            seconds = time.perf_counter() - start
        stderr = err.read_bytes().decode("utf-8", errors="replace")
        max_rss_mb = int(rss.read_text() or 0) / 1024 if rss.exists() else float("nan")
    return Outcome(code, stderr, seconds, max_rss_mb)


# --- the benchmark ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Time the reads the issue names (median of ``--repeats``) and print them with the machine."""
    from geo.io.files import read_file

    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    info = machine()
    print(f"machine: {info.get('cpu')}, {info.get('cores')} cores, {info.get('ram_gb')} GB; "
          f"GDAL {info['versions']['GDAL']}, GEOS {info['versions']['GEOS']}")
    reads: dict[str, tuple[str, Callable[[], bytes]]] = {
        "KML, 2,000 folders": ("k2000.kml", lambda: kml_folders(2_000)),
        "KML, 10,000 folders": ("k10000.kml", lambda: kml_folders(10_000)),
        "部标txt, one parcel of 10^4 rings (shell + holes)": ("r1e4.txt", lambda: zb_many_rings(10_000)),
        "部标txt, one parcel of 10^4 parts": ("p1e4.txt", lambda: zb_many_parts(10_000)),
    }
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        for label, (name, make) in reads.items():
            path = Path(tmp) / name
            path.write_bytes(make())

            def read(p: Path = path) -> object:
                return read_file(p)

            result = timed(read, repeats=args.repeats)
            runs = ", ".join(f"{r:.2f}" for r in result["runs"])
            print(f"{label}: median {result['median']:.2f} s (runs {runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
