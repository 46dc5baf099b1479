"""A Chinese font for print maps, embedded in PDFs as TrueType (Type 42).

Debian's ``fonts-noto-cjk`` ships Noto Sans CJK as OpenType/CFF collections
(``.ttc``). Matplotlib embeds such a face in a PDF declared as TrueType while
the data is CFF (matplotlib issue #20870): poppler warns "Mismatch between font
type and embedded font file" and stricter readers may refuse the font. So the
characters a figure uses are subset from the face with fontTools and, for CFF
faces, their outlines are converted to TrueType quadratic curves (cu2qu, within
one font unit); the result is a small standalone ``.ttf`` that every PDF reader
accepts and that renders the same glyphs in PNGs.

The face is found with matplotlib's font manager (which reads the fonts
fontconfig knows), else ``fc-list``; ``GEO_CJK_FONT=/path/font.ttf[#index]``
chooses a file. No font that can draw Chinese is a :class:`geo.errors.FontError`.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, TTLibError, newTable
from matplotlib import font_manager

from geo.atomic import write_output
from geo.errors import FontError, said

#: Families tried in order: Simplified Chinese sans-serif faces first.
CJK_FAMILIES: Final[tuple[str, ...]] = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Droid Sans Fallback",
)
#: Environment variable naming a font file (``path`` or ``path#face-index``) to use instead.
FONT_ENV: Final = "GEO_CJK_FONT"
#: Characters a face must have to count as Chinese (from this project's labels).
PROBE: Final = "规划地块面积亩"
_FIX: Final = said("err.fonts.install_fix")


@dataclass(frozen=True)
class FontFace:
    """One face of a font file: ``path``, its ``index`` in a collection (0 for a plain file), its family."""

    path: str
    index: int
    family: str


def _has_chinese(face: FontFace) -> bool:
    try:
        with TTFont(face.path, fontNumber=face.index, lazy=True) as font:
            cmap = font.getBestCmap() or {}
    except (OSError, TTLibError, KeyError, ValueError, AssertionError):  # not a font fontTools can read
        return False
    return all(ord(c) in cmap for c in PROBE)


def _from_env(value: str) -> FontFace:
    path, _, index = value.partition("#")
    face = FontFace(path, int(index) if index.isdigit() else 0, Path(path).stem)
    if not Path(path).is_file():
        raise FontError(said("err.fonts.missing_file"), source=f"{FONT_ENV}={value}", fix=_FIX)
    if not _has_chinese(face):
        raise FontError(said("err.fonts.no_chinese"), source=f"{FONT_ENV}={value}", fix=_FIX)
    return face


@dataclass(frozen=True)
class _Listed:
    path: str
    index: int
    family: str
    weight: int


def _fc_list() -> list[_Listed]:
    """Faces fontconfig lists for Chinese, with their CSS-like weight (empty if ``fc-list`` is not installed)."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [exe, "-f", "%{family[0]}\t%{file}\t%{index}\t%{weight}\n", ":lang=zh-cn"],
            capture_output=True, text=True, timeout=30, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    faces = []
    for line in out.splitlines():
        family, path, index, fc_weight = [*line.split("\t"), "", "", ""][:4]
        if path:
            # fontconfig weights: 80 regular, 200 bold
            css = 700 if fc_weight.isdigit() and int(fc_weight) >= 200 else 400
            faces.append(_Listed(path, int(index) if index.isdigit() else 0, family, css))
    return faces


def find_cjk_font(families: Sequence[str] = CJK_FAMILIES, *, weight: int = 400) -> FontFace:
    """The first installed face of ``families`` (the weight nearest ``weight`` first) that has Chinese glyphs.

    Raises
    ------
    FontError
        ``GEO_CJK_FONT`` names a missing or non-Chinese font, or none of
        ``families`` is installed.
    """
    if os.environ.get(FONT_ENV):
        return _from_env(os.environ[FONT_ENV])
    entries = sorted(font_manager.fontManager.ttflist, key=lambda e: (abs(_weight(e.weight) - weight), e.fname))
    listed = sorted(_fc_list(), key=lambda f: abs(f.weight - weight))
    for family in families:
        candidates = [FontFace(e.fname, int(getattr(e, "index", 0)), e.name) for e in entries if e.name == family]
        candidates += [FontFace(f.path, f.index, f.family) for f in listed if f.family == family]
        for face in candidates:
            if _has_chinese(face):
                return face
    raise FontError(said("err.fonts.none_found", families=", ".join(families)), source="fonts", fix=_FIX)


def _weight(value: object) -> int:
    if isinstance(value, int):
        return value
    names = {"light": 300, "normal": 400, "regular": 400, "medium": 500, "bold": 700, "heavy": 900, "black": 900}
    return names.get(str(value).lower(), 400)


def _to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines of ``font`` by TrueType ``glyf`` outlines (fontTools' otf2ttf recipe)."""
    font.recalcBBoxes = True
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    for glyph in glyphs.values():
        glyph.recalcBounds(glyf)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"


@lru_cache(maxsize=16)
def truetype_subset(face: FontFace, characters: str) -> bytes:
    """A standalone TrueType font with the glyphs of ``characters`` from ``face`` (cached per text).

    Subsetting keeps the file small (a few hundred glyphs of 65,000) and makes
    the CFF → TrueType conversion take a fraction of a second.
    """
    options = subset.Options()
    options.font_number = face.index
    options.layout_features = []  # matplotlib does no OpenType shaping; keeping features pulls in thousands of glyphs
    options.hinting = False
    options.desubroutinize = True  # faster than pruning subroutines, and the cu2qu pass needs none
    options.notdef_outline = True
    options.drop_tables += ["VORG", "vhea", "vmtx", "DSIG", "GSUB", "GPOS", "GDEF", "BASE", "JSTF"]
    try:
        font = subset.load_font(face.path, options)
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(text="".join(sorted(set(characters + " "))))
        subsetter.subset(font)
        if "CFF " in font:
            _to_truetype(font)
        out = io.BytesIO()
        font.save(out)
    except Exception as exc:
        raise FontError(said("err.fonts.unusable", error=str(exc)), source=f"{face.path}#{face.index}",
                        fix=_FIX) from None
    return out.getvalue()


#: Bump when the subsetting or conversion changes, so cached files are rebuilt.
_CACHE_VERSION: Final = "1"


def font_file(face: FontFace, characters: str, *, folder: Path | None = None) -> Path:
    """A ``.ttf`` file of :func:`truetype_subset` for ``characters``, cached on disk.

    The file name is a digest of the face (path, index, size, modification
    time) and the characters, so a second figure with the same words — in this
    process or the next ``python -m geo figure`` — reuses it without subsetting.
    Files are written atomically, so concurrent renders never read half a font.
    """
    chars = "".join(sorted(set(characters + " ")))
    stat = os.stat(face.path)
    key = f"{_CACHE_VERSION}|{face.path}|{face.index}|{stat.st_size}|{stat.st_mtime_ns}|{chars}"
    where = folder or Path(tempfile.gettempdir()) / f"geo-fonts-{os.getuid() if hasattr(os, 'getuid') else 0}"
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = where / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}.ttf"
    if not path.is_file():
        write_output(path, truetype_subset(face, chars))
    return path
