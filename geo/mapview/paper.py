"""Paper, orientation, resolution and format of a print map: the options, without matplotlib.

Kept apart from :mod:`geo.mapview.figure` so that the command line (which
imports every command to list its options) and the Map page can offer the
choices without importing matplotlib until a map is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from geo.errors import UsageError, said

#: Paper sizes in mm, landscape (width, height).
PAPER_MM: Final[dict[str, tuple[float, float]]] = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}
ORIENTATIONS: Final = ("landscape", "portrait")
#: Output formats and their MIME types.
FORMATS: Final[dict[str, str]] = {"png": "image/png", "pdf": "application/pdf"}
DPI_RANGE: Final = (72, 600)
MM_PER_INCH: Final = 25.4


@dataclass(frozen=True)
class Paper:
    """Paper size (``A4``/``A3``), orientation and resolution of a PNG (dots per inch)."""

    size: str = "A4"
    orientation: str = "landscape"
    dpi: int = 200

    def __post_init__(self) -> None:
        if self.size not in PAPER_MM:
            raise UsageError(said("err.paper.size", size=self.size), source="size",
                             fix=said("err.paper.size_fix", choices=", ".join(PAPER_MM)))
        if self.orientation not in ORIENTATIONS:
            raise UsageError(said("err.paper.orientation", orientation=self.orientation), source="orientation",
                             fix=said("err.paper.orientation_fix"))
        low, high = DPI_RANGE
        if not low <= self.dpi <= high:
            raise UsageError(said("err.paper.dpi", dpi=self.dpi, low=low, high=high), source="dpi",
                             fix=said("err.paper.dpi_fix"))

    @property
    def mm(self) -> tuple[float, float]:
        """Width and height in mm, as oriented."""
        w, h = PAPER_MM[self.size]
        return (w, h) if self.orientation == "landscape" else (h, w)

    @property
    def pixels(self) -> tuple[int, int]:
        """Width and height of the PNG in pixels (A4 landscape at 200 dpi: 2339 × 1654)."""
        w, h = self.mm
        return round(w / MM_PER_INCH * self.dpi), round(h / MM_PER_INCH * self.dpi)
