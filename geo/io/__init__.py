"""Users' files in and our files out.

Reading is safe by construction: formats are recognised by content, archives
are unpacked only into a temporary folder, and every failure is a
:class:`geo.errors.GeoError` naming the file, the problem and the fix.

- :mod:`geo.io.files`: the front door, :func:`read_file` / :func:`read_bytes`;
- :mod:`geo.io.readers`: one reader per format; :mod:`geo.io.archive` (zip, KMZ),
  :mod:`geo.io.csvread` (CSV with WKT or lon/lat), :mod:`geo.io.crsguess`
  (CRS inferred from coordinate ranges);
- the limits on what a file may make us do: :mod:`geo.io.limits` (the read's
  worker process: wall time, memory), :mod:`geo.io.jsondepth` (JSON nesting),
  :mod:`geo.io.columns` (attribute names and count);
- :mod:`geo.io.export`: the registry of export formats (:data:`FORMATS`) and
  :func:`export_files` (what was written, split or left out); the writers in :mod:`geo.io.writers_gis` (GeoJSON,
  GeoPackage, Shapefile, CSV) and :mod:`geo.io.writers_desktop` (KML/KMZ, DXF,
  XLSX); the styles they carry (QML, track colours) in :mod:`geo.io.styles`;
- :mod:`geo.io.zbtxt` and :mod:`geo.io.zbtxt_write`: the land bureau's 部标坐标txt, read and written;
- :mod:`geo.io.convert`: any format read to any format written (``python -m geo convert``).
"""

from geo.io.export import FORMATS, export_bytes, export_files, export_layers
from geo.io.files import MAX_FILE_BYTES, ReadResult, read_bytes, read_file

__all__ = ["FORMATS", "MAX_FILE_BYTES", "ReadResult", "export_bytes", "export_files", "export_layers", "read_bytes",
           "read_file"]
