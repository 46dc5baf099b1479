"""``python -m geo monitor``: status, history, template and import, on both workspace backends.

The commands run in-process (``geo.cli.main``); the records are stored through the workspace's
:class:`~geo.store.Office` as the app stores them. Every actual is an example (示例 in its source).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from geo.monitor.model import Actual, MonitorPlan
from geo.store import single_user
from geo.store import workspace as ws
from tests.fixtures.cli import geo, one_line

SRC = "示例：2024年高新区统计公报，第3页"
KEYS = ["id", "kind", "name_zh", "name_en", "unit", "baseline", "baseline_year", "target", "target_year", "actual",
        "actual_year", "evaluated", "progress", "status", "source"]
PASSWORDS = {"ann": "ann-Secret-1111", "vic": "vic-Secret-2222", "kim": "kim-Secret-3333"}


def t(tid: str, year: int, value: float, unit: str) -> Actual:
    return Actual("target", tid, year, SRC, value=value, unit=unit)


EXAMPLES = [
    t("C-1", 2023, 60, "家"), t("C-1", 2024, 90, "家"),
    t("P-1", 2021, 12, "%"), t("P-1", 2022, 15, "%"),
    t("C-2", 2024, 750000, "万元"),
    Actual("project", "T2-3", 2024, SRC, stage="construction", land_mu=444.0, revenue_yi=3.5),
    Actual("project", "T5-2", 2024, SRC, stage="operating", land_mu=10.0),
    Actual("action", "K-3", 2024, SRC, state="in_progress"),
]


def status(capsys, monkeypatch, year: int) -> dict[str, dict[str, object]]:
    code, out, err = geo(capsys, monkeypatch, "monitor", "status", "--year", str(year), "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert all(list(r)[:len(KEYS)] == KEYS for r in rows)
    return {str(r["id"]): r for r in rows}


def test_status_json_of_records_in_the_workspace(backend, capsys, monkeypatch):
    ws.office().record_actuals(single_user("test"), EXAMPLES, origin="示例")
    rows = status(capsys, monkeypatch, 2024)
    assert len(rows) == 42 + 26 and "Y-1" not in rows
    c1 = rows["C-1"]
    assert [c1[k] for k in KEYS] == [
        "C-1", "target", "检验检测机构", "testing and inspection institutions", "家", 25, 2020, 100, "2025",
        90, 2024, 90, pytest.approx((90 - 25) / (100 - 25)), "on_track", SRC]  # 0.867 ≥ (2024−2020)/5 = 0.8
    p1 = rows["P-1"]
    assert p1["evaluated"] == pytest.approx((math.sqrt(1.12 * 1.15) - 1) * 100)  # 13.49 %
    assert (p1["actual"], p1["actual_year"], p1["status"]) == (15, 2022, "behind")
    assert (rows["C-2"]["status"], rows["C-2"]["evaluated"], rows["C-2"]["actual"]) == ("not_comparable", None,
                                                                                       750000)
    t23 = rows["T2-3"]
    assert (t23["kind"], t23["actual"], t23["target"], t23["progress"], t23["status"]) == (
        "project", 444, 888, 0.5, "in_progress")
    assert t23["stage"] == "construction" and "入驻饱和" in str(t23["note_zh"])
    assert (rows["T5-2"]["progress"], rows["T5-2"]["target"], rows["T5-2"]["status"]) == (None, None, "in_progress")
    assert rows["T2-1"]["status"] == "no_data" and rows["P-2"]["status"] == "no_data"
    earlier = status(capsys, monkeypatch, 2023)
    assert (earlier["C-1"]["actual"], earlier["C-1"]["status"]) == (60, "behind")  # 0.467 < 0.6
    assert earlier["T2-3"]["status"] == "no_data"  # its record is of 2024


def test_status_csv_and_table(backend, capsys, monkeypatch):
    code, out, _ = geo(capsys, monkeypatch, "monitor", "status", "--year", "2024", "--lang", "zh")
    assert code == 0 and "截至2024年没有任何实际值记录" in out and "monitor template --year 2024" in out
    ws.office().record_actuals(single_user("test"), EXAMPLES, origin="示例")
    code, out, _ = geo(capsys, monkeypatch, "monitor", "status", "--year", "2023", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and list(table[0])[:len(KEYS)] == KEYS and len(table) == 68
    c1 = next(r for r in table if r["id"] == "C-1")
    assert (c1["actual"], c1["status"], c1["status_zh"]) == ("60.0", "behind", "进度滞后")
    code, out, _ = geo(capsys, monkeypatch, "monitor", "status", "--year", "2024", "--lang", "zh")
    assert code == 0 and "进度正常" in out and "实施载体集聚建设行动: 推进中 (2024" in out
    assert "表中规划面积为“——”" in out  # T5-2's note
    code, out, _ = geo(capsys, monkeypatch, "monitor", "status", "--year", "2024", "--lang", "en")
    assert code == 0 and "on track" in out and "Build clusters of carriers: in progress" in out


def test_history_keeps_every_version(backend, capsys, monkeypatch):
    off = ws.office()
    off.record_actuals(single_user("test"), [t("C-1", 2023, 60, "家"), t("C-1", 2024, 80, "家")], origin="示例")
    off.record_actuals(single_user("test"), [Actual("target", "C-1", 2023, "示例：更正", value=72, unit="家")],
                       origin="示例")
    code, out, err = geo(capsys, monkeypatch, "monitor", "history", "C-1", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["year"], r["version"], r["values"], r["source"]) for r in rows] == [
        (2023, 1, {"value": 60, "unit": "家"}, SRC), (2023, 2, {"value": 72, "unit": "家"}, "示例：更正"),
        (2024, 1, {"value": 80, "unit": "家"}, SRC)]
    assert all(r["recorded_at"] and r["recorded_by"] is None for r in rows)  # the single user
    code, out, _ = geo(capsys, monkeypatch, "monitor", "history", "C-1", "--year", "2023")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2 and lines[1].startswith("2023  v2  value=72.0, unit=家  source: 示例：更正")
    assert status(capsys, monkeypatch, 2023)["C-1"]["actual"] == 72  # the correction is in force
    code, out, _ = geo(capsys, monkeypatch, "monitor", "history", "K-1")
    assert code == 0 and out.strip() == "no records for K-1"


@pytest.mark.parametrize("args,fragment", [
    (("status", "--year", "1999"), "--year: 1999 is before 2000"),
    (("history", "Z-9"), "monitor history: unknown id 'Z-9'"),
    (("import", "nowhere.xlsx", "--year", "2024"), "nowhere.xlsx: no such file"),
])
def test_user_errors_are_one_line(backend, capsys, monkeypatch, args, fragment):
    code, out, err = geo(capsys, monkeypatch, "monitor", *args)
    assert code == 2 and out == ""
    one_line(err, fragment)


# -- template and import: the command's side (the workbook itself is geo.monitor.template's) -------------


@dataclass
class FakeFilled:
    records: list[Actual]
    warnings: list[str] = field(default_factory=list)


@pytest.fixture
def template_module(monkeypatch):
    """A stand-in for geo.monitor.template that records how the command calls it."""
    calls: dict[str, object] = {}
    fake = types.ModuleType("geo.monitor.template")

    def write_template(plan: MonitorPlan, actuals: list[Actual], year: int, out_path: Path) -> None:
        calls["write"] = (plan.period, [(a.subject_id, a.year, a.value) for a in actuals], year, out_path)
        out_path.write_bytes(b"PK\x03\x04 example workbook")

    def read_filled(path: Path, plan: MonitorPlan, year: int, previous: tuple[Actual, ...] = ()) -> FakeFilled:
        calls["read"] = (path.name, len(plan.actions), year, [(a.subject_id, a.year) for a in previous])
        return FakeFilled([t("C-1", year, 61, "家"),
                           Actual("project", "T2-3", year, SRC, stage="construction", land_mu=100.0)],
                          ["项目 row 4: the stage goes back from 在建 to 规划 (示例)",
                           "目标 row 9: year outside the plan"])

    fake.write_template = write_template  # type: ignore[attr-defined]
    fake.read_filled = read_filled  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "geo.monitor.template", fake)
    return calls


def test_template_is_written_with_the_recorded_values(backend, capsys, monkeypatch, tmp_path, template_module):
    ws.office().record_actuals(single_user("test"), [t("C-1", 2023, 60, "家")], origin="示例")
    out_path = tmp_path / "填报表.xlsx"
    code, out, err = geo(capsys, monkeypatch, "monitor", "template", "--year", "2024", "-o", str(out_path))
    assert code == 0, err
    assert template_module["write"] == ((2021, 2025), [("C-1", 2023, 60.0)], 2024, out_path)
    assert out.strip() == f"wrote the template for 2024 to {out_path}" and out_path.exists()
    code, _, err = geo(capsys, monkeypatch, "monitor", "template", "--year", "2024", "-o", str(tmp_path / "no" / "x"))
    assert code == 2
    one_line(err, "the output folder does not exist")


def test_import_records_a_filled_file(backend, capsys, monkeypatch, tmp_path, template_module):
    ws.office().record_actuals(single_user("test"), [t("C-1", 2023, 60, "家")], origin="示例")
    filled = tmp_path / "填报表2024.xlsx"
    filled.write_bytes(b"PK\x03\x04 filled example")
    code, out, err = geo(capsys, monkeypatch, "monitor", "import", str(filled), "--year", "2024")
    assert code == 0, err
    assert template_module["read"] == ("填报表2024.xlsx", 8, 2024, [("C-1", 2023)])  # what is stored already
    assert out.strip() == "imported 2 records for 2024 (targets: 1, projects: 1; from 填报表2024.xlsx)"
    assert err.splitlines() == ["warning: 项目 row 4: the stage goes back from 在建 to 规划 (示例)",
                                "warning: 目标 row 9: year outside the plan"]
    stored = ws.office().actuals(single_user("test"))
    assert sorted((a.subject_id, a.year, a.version) for a in stored) == [
        ("C-1", 2023, 1), ("C-1", 2024, 1), ("T2-3", 2024, 1)]
    event = [e for e in backend.store.audit() if e.action == "monitor_record"][-1]
    assert event.object == "填报表2024.xlsx"
    assert event.detail["file_hash"] == hashlib.sha256(filled.read_bytes()).hexdigest()


def test_a_viewers_import_is_refused_and_audited(backend, capsys, monkeypatch, tmp_path, template_module):
    for name, role in (("ann", "admin"), ("vic", "viewer"), ("kim", "checker")):
        code, _, err = geo(capsys, monkeypatch, "users", "add", name, "--role", role, stdin=PASSWORDS[name] + "\n")
        assert code == 0, err
    filled = tmp_path / "填报表.xlsx"
    filled.write_bytes(b"PK\x03\x04 filled example")
    code, out, err = geo(capsys, monkeypatch, "monitor", "import", str(filled), "--year", "2024", "--user", "vic")
    assert code == 2 and out == ""
    assert err.splitlines()[-1].endswith("vic may not record 填报表.xlsx: a viewer may not record actuals. "
                                         "Ask an administrator for the checker role")
    assert ws.office().actuals(single_user("test")) == []  # nothing stored
    refused = backend.store.audit()[-1]
    assert (refused.action, refused.user, refused.detail["attempted"]) == ("refused", "vic", "record")
    code, _, err = geo(capsys, monkeypatch, "monitor", "import", str(filled), "--year", "2024")
    assert code == 2
    one_line(err, "this workspace has accounts")
    code, out, err = geo(capsys, monkeypatch, "monitor", "import", str(filled), "--year", "2024", "--user", "kim")
    assert code == 0 and out.startswith("imported 2 records for 2024"), err
    assert {a.recorded_by for a in ws.office().actuals(ws.office().actor("kim"))} == {"kim"}
    code, out, _ = geo(capsys, monkeypatch, "monitor", "status", "--year", "2024", "--format", "json", "--user", "vic")
    assert code == 0 and {r["id"]: r for r in json.loads(out)}["C-1"]["actual"] == 61  # viewers read


# -- the real workbook: written by the CLI, filled by another program (openpyxl), imported -------------------


def fill(path: Path, rows: dict[str, dict[str, dict[str, object]]]) -> None:
    """Fill the template's cells as an office's program would: ``{sheet: {编号: {header: value}}}``."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    for sheet_name, by_id in rows.items():
        sheet = book[sheet_name]
        header = {str(c.value): c.column for c in sheet[1] if c.value is not None}
        for line in sheet.iter_rows(min_row=2):
            values = by_id.get(str(line[0].value), {})
            for name, value in values.items():
                sheet.cell(row=line[0].row, column=header[name], value=value)
    book.save(path)


def test_a_filled_template_round_trip(backend, capsys, monkeypatch, tmp_path):
    for year, rows in (
        (2023, {"目标": {"C-1": {"实际值": 60, "来源": "示例：2023年统计公报"},
                         "P-1": {"实际值": 12, "来源": "示例：2023年统计公报"}},
                "项目": {"T2-3": {"阶段": "在建", "已供地（亩）": 444, "来源": "示例：供地台账"}},
                "行动": {"K-3": {"进展": "推进中", "来源": "示例：管委会年报"}}}),
        (2024, {"目标": {"C-1": {"实际值": 90, "来源": "示例：2024年统计公报"},
                         "P-1": {"实际值": 15, "来源": "示例：2024年统计公报"}},
                "项目": {"T2-3": {"阶段": "建成", "已供地（亩）": 888, "来源": "示例：供地台账2024"}}}),
    ):
        book = tmp_path / f"填报表{year}.xlsx"
        code, _, err = geo(capsys, monkeypatch, "monitor", "template", "--year", str(year), "-o", str(book))
        assert code == 0, err
        fill(book, rows)
        code, out, err = geo(capsys, monkeypatch, "monitor", "import", str(book), "--year", str(year))
        assert code == 0, err
        n = sum(len(by_id) for by_id in rows.values())
        assert out.startswith(f"imported {n} records for {year} ("), out
    now = status(capsys, monkeypatch, 2024)
    assert (now["C-1"]["actual"], now["C-1"]["status"]) == (90, "on_track")  # (90−25)/75 = 0.867 ≥ 0.8
    assert now["P-1"]["evaluated"] == pytest.approx((math.sqrt(1.12 * 1.15) - 1) * 100)
    assert now["P-1"]["source"] == "示例：2023年统计公报; 示例：2024年统计公报"
    assert (now["T2-3"]["stage"], now["T2-3"]["progress"], now["T2-3"]["status"]) == ("built", 1.0, "achieved")
    # a second import of 2024 corrects C-1: the first version stays in the history
    again = tmp_path / "更正2024.xlsx"
    geo(capsys, monkeypatch, "monitor", "template", "--year", "2024", "-o", str(again))
    fill(again, {"目标": {"C-1": {"实际值": 70, "来源": "示例：更正"}}})
    code, _, err = geo(capsys, monkeypatch, "monitor", "import", str(again), "--year", "2024")
    assert code == 0, err
    code, out, _ = geo(capsys, monkeypatch, "monitor", "history", "C-1", "--year", "2024", "--format", "json")
    assert [(r["version"], r["values"]["value"], r["source"]) for r in json.loads(out)] == [
        (1, 90, "示例：2024年统计公报"), (2, 70, "示例：更正")]
    assert status(capsys, monkeypatch, 2024)["C-1"]["status"] == "behind"  # 45/75 = 0.6 < 0.8


@pytest.mark.parametrize(("cells", "fragment"), [
    ({"项目": {"T2-3": {"已供地（亩）": "约300", "来源": "示例：供地台账"}}}, "项目!D"),
    ({"目标": {"P-5": {"单位": "万元", "实际值": 1200, "来源": "示例：统计公报"}}}, "目标!C"),
    ({"项目": {"T2-3": {"已供地（亩）": -5, "来源": "示例：供地台账"}}}, "below 0"),
    ({"目标": {"C-1": {"实际值": 60}}}, "no 来源"),
])
def test_a_bad_cell_exits_2_in_one_line_and_stores_nothing(backend, capsys, monkeypatch, tmp_path, cells, fragment):
    book = tmp_path / "填报表.xlsx"
    assert geo(capsys, monkeypatch, "monitor", "template", "--year", "2024", "-o", str(book))[0] == 0
    good = {"行动": {"K-1": {"进展": "推进中", "来源": "示例：管委会年报"}}}  # a good row beside the bad one
    fill(book, good | cells)
    code, out, err = geo(capsys, monkeypatch, "monitor", "import", str(book), "--year", "2024")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and fragment in lines[0] and "填报表.xlsx" in lines[0], err
    assert "Traceback" not in err and out == ""
    assert backend.store.list_actuals(history=True) == []  # not even the good row
    assert not [e for e in backend.store.audit() if e.action == "monitor_record"]

