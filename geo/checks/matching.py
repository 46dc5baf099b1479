"""Match surveyed parcels to the plan's projects.

First by a column the user picks, holding a project id (as the plan's tables number it) or a project
name; names are compared after normalisation, since surveyors and the plan
write the same name differently: full-/half-width brackets (``（）``/``()``),
spaces, ``第二期``/``二期``/``2期``, separators. Parcels still unmatched are
matched by spatial overlap with the indicative parcels (largest shared area,
then containment of a point parcel). Whatever stays unmatched is reported.
All steps are vectorised (pandas maps, one STRtree query).
"""

from __future__ import annotations

import unicodedata
from typing import Final, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import equal_area as area_crs
from geo.errors import UsageError, said

#: Columns of :func:`match_parcels`' result.
MATCH_COLUMNS: Final = ("feature", "project_id", "match_by", "match_value")

#: How plan project names write a phase (第二期, 2期): the digits as Chinese numerals, the ordinal ``第N期`` and
#: ``N期`` — the names' own tokens, compared as written, not words of ours.
_CN_DIGITS: Final = {"1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六", "7": "七", "8": "八", "9": "九"}
_PHASE_ORDINAL: Final = (r"第([一二三四五六七八九十0-9]+)期", r"\1期")
_PHASE_DIGIT: Final = r"([1-9])期"
_PHASE: Final = "期"


def normalise_name(names: pd.Series) -> pd.Series:
    """Normalise project names for comparison (vectorised).

    NFKC folds full-width brackets, digits and letters to half-width; then
    spaces and separators go, ``第N期`` becomes ``N期`` with N in Chinese
    numerals, brackets are unified and letters lower-cased.

    Examples
    --------
    >>> normalise_name(pd.Series(["示例园区（第二期）", " 示例园区 (2期)"])).tolist()
    ['示例园区(二期)', '示例园区(二期)']
    """
    s = names.astype("string").fillna("").map(lambda v: unicodedata.normalize("NFKC", v), na_action="ignore")
    s = s.str.replace(r"[\s·・、_\-—–]+", "", regex=True)
    s = s.str.replace(r"[\[【〔{]", "(", regex=True).str.replace(r"[\]】〕}]", ")", regex=True)
    s = s.str.replace(*_PHASE_ORDINAL, regex=True)
    s = s.str.replace(_PHASE_DIGIT, lambda m: _CN_DIGITS[m.group(1)] + _PHASE, regex=True)
    return s.str.lower()


def _by_field(values: pd.Series, plan: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Project ids for ``values`` matched as ids, then as zh/en names."""
    ids = plan["project_id"].astype("string")
    by_id = dict(zip(ids.str.lower(), ids, strict=True))
    key = values.astype("string").str.strip().str.lower()
    found = key.map(by_id)
    how = pd.Series(np.where(found.notna(), "id", ""), index=values.index, dtype="string")
    lookup: dict[str, str] = {}
    for col in ("name_en", "name_zh"):  # zh last: it wins on a clash
        if col in plan.columns:
            lookup.update(dict(zip(normalise_name(plan[col]), ids, strict=True)))
    lookup.pop("", None)
    by_name = normalise_name(values).map(lookup)
    use_name = found.isna() & by_name.notna()
    found = found.where(~use_name, by_name)
    how = how.where(~use_name, "name")
    return found, how


def _none_where_not(mask: npt.NDArray[np.bool_], geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """``geoms`` where ``mask`` holds, None elsewhere (``np.where(mask, geoms, None)``)."""
    return np.where(mask, geoms, np.array(None, dtype=object))


def _by_overlap(
    geoms: np.ndarray, plan: gpd.GeoDataFrame, *, equal_area: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Index into ``plan`` of the parcel sharing most area with each geometry (-1 if none), and the share.

    ``equal_area``: the same geometries already in :func:`equal_area` and valid (the check's
    prepared layer); then the plan is projected instead, once, and nothing is repaired again.
    """
    target = np.full(len(geoms), -1)
    share = np.zeros(len(geoms))
    pgeoms = plan.geometry.to_numpy()
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not valid.any() or len(pgeoms) == 0:
        return target, share
    if equal_area is not None:
        pea = _plan_equal_area(plan)
        query = equal_area.copy()
        query[~valid] = None
        left, right = shapely.STRtree(pea).query(query, predicate="intersects")
        if len(left) == 0:
            return target, share
        a, b = equal_area[left], pea[right]
        shapely.prepare(pea)
        inside = shapely.covers(b, a)  # most parcels lie wholly in their plan parcel: share 1
        own = shapely.area(a)
        shared = np.where(inside, own, 0.0)
        shared[~inside] = shapely.area(shapely.intersection(a[~inside], b[~inside]))
        return _pick(left, right, shared, own, target, share)
    tree = shapely.STRtree(pgeoms)
    left, right = tree.query(_none_where_not(valid, geoms), predicate="intersects")
    if len(left) == 0:
        return target, share
    a = gpd.GeoSeries(geoms[left], crs=plan.crs).to_crs(area_crs()).to_numpy()
    b = gpd.GeoSeries(pgeoms[right], crs=plan.crs).to_crs(area_crs()).to_numpy()
    for arr in (a, b):  # an invalid ring must not stop the match
        bad = ~shapely.is_valid(arr)
        arr[bad] = shapely.make_valid(arr[bad])
    return _pick(left, right, shapely.area(shapely.intersection(a, b)), shapely.area(a), target, share)


def _pick(left: np.ndarray, right: np.ndarray, shared: np.ndarray, own: np.ndarray, target: np.ndarray,
          share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each queried geometry, the candidate with the largest share of its area."""
    frac = np.where(own > 0, shared / np.where(own > 0, own, 1), 0.0) + 1e-9  # points: tiny but positive
    order = np.lexsort((-frac, left))
    first = np.ones(len(order), dtype=bool)
    first[1:] = left[order][1:] != left[order][:-1]
    pick = order[first]
    target[left[pick]] = right[pick]
    share[left[pick]] = np.round(frac[pick], 6)
    return target, share


_PLAN_EA: dict[int, tuple[gpd.GeoDataFrame, np.ndarray]] = {}


def _plan_equal_area(plan: gpd.GeoDataFrame) -> np.ndarray:
    """The plan parcels in :func:`equal_area`, valid; computed once per plan layer object."""
    hit = _PLAN_EA.get(id(plan))
    if hit is not None and hit[0] is plan:
        return hit[1]
    arr = plan.geometry.to_crs(area_crs()).to_numpy()
    bad = ~shapely.is_valid(arr)
    arr[bad] = shapely.make_valid(arr[bad])
    _PLAN_EA.clear()
    _PLAN_EA[id(plan)] = (plan, arr)
    return arr


def match_parcels(
    surveyed: gpd.GeoDataFrame,
    plan_parcels: gpd.GeoDataFrame,
    *,
    name_field: str | None = None,
    use_overlap: bool = True,
    equal_area: np.ndarray | None = None,
) -> pd.DataFrame:
    """Assign a plan ``project_id`` to every surveyed feature.

    Parameters
    ----------
    surveyed
        The user's layer (any CRS; index = feature number).
    plan_parcels
        The plan's parcels with ``project_id``, ``name_zh``, ``name_en`` and geometry.
    name_field
        Column of ``surveyed`` holding a project id or name, or None.
    use_overlap
        Match features left unmatched by spatial overlap with ``plan_parcels``.
    equal_area
        The features' geometry already in :func:`geo.crs.equal_area` and repaired (the check has it):
        overlaps are measured on it without projecting or repairing again.

    Returns
    -------
    pandas.DataFrame
        One row per feature: ``feature``, ``project_id`` (NA when unmatched),
        ``match_by`` (``id``, ``name``, ``overlap`` or ``none``) and
        ``match_value`` (the field's value, or the share of the feature's area
        inside the plan parcel).
    """
    index = surveyed.index
    project = pd.Series(pd.NA, index=index, dtype="string")
    how = pd.Series("none", index=index, dtype="string")
    value = pd.Series(pd.NA, index=index, dtype="string")
    if name_field is not None:
        if name_field not in surveyed.columns:
            raise UsageError(
                said("err.check.no_column", field=name_field),
                source="name field",
                fix=said("err.check.no_column_fix",
                         columns=", ".join(map(str, surveyed.columns.drop([surveyed.geometry.name])))),
            )
        value = surveyed[name_field].astype("string")
        found, by = _by_field(value, plan_parcels)
        hit = found.notna()
        project, how = project.where(~hit, found), how.where(~hit, by)
    todo = project.isna().to_numpy()
    if use_overlap and todo.any():
        geoms = (
            # cast: the plan's parcels always carry a CRS (layers.load_parcels: WGS84).
            surveyed.geometry.to_crs(cast(CRS, plan_parcels.crs)).to_numpy()
            if surveyed.crs != plan_parcels.crs
            else surveyed.geometry.to_numpy()
        )
        target, share = _by_overlap(_none_where_not(todo, geoms), plan_parcels,
                                    equal_area=None if equal_area is None else _none_where_not(todo, equal_area))
        overlaps = target >= 0
        ids = plan_parcels["project_id"].astype("string").to_numpy()
        project = project.where(
            ~overlaps, pd.Series(_none_where_not(overlaps, ids[np.maximum(target, 0)]), index=index, dtype="string")
        )
        how = how.where(~overlaps, "overlap")
        value = value.where(~overlaps, pd.Series(share.astype(str), index=index, dtype="string"))
    return pd.DataFrame(
        {"feature": index.to_numpy(), "project_id": project, "match_by": how, "match_value": value}, index=index
    )


def suggest_name_field(surveyed: gpd.GeoDataFrame, plan_parcels: gpd.GeoDataFrame) -> str | None:
    """The attribute column whose values match the most plan ids or names, or None if none matches.

    Offered as the default choice on the Check page; the user can change it.
    """
    best, best_hits = None, 0
    for col in surveyed.columns.drop([surveyed.geometry.name]):
        found, _ = _by_field(surveyed[col].astype("string"), plan_parcels)
        hits = int(found.notna().sum())
        if hits > best_hits:
            best, best_hits = str(col), hits
    return best
