"""The 监测评估 report (``geo.monitor.report``, ``python -m geo report``): Word and PDF from one content.

Every actual here is an example: 示例 in every source. The expected statuses are worked out by hand
from the rules of ``data/README.md`` (not by calling the evaluation):

- P-5 高技术服务业增加值, target 300 亿元 (2025), no baseline: 150.5 in 2023 → 推进中;
- C-1 检验检测机构, baseline 25家 (2020), target 100家 (2025): 40 in 2022, 60 in 2023 →
  (60−25)/(100−25) = 0.467 < (2023−2020)/(2025−2020) = 0.6 → 进度滞后 (expected 60 %);
- P-1 服务业增加值年均增速 ＞14 %: 12 (2022) and 15 (2023) → geometric mean 13.49 < 14 → 进度滞后;
- every other target → 无数据, its actual "—" (never 0).

The PDF is read back with poppler's ``pdftotext`` and ``pdffonts`` (``./test.sh`` installs
``poppler-utils``); times are printed, not asserted (``-s`` shows them).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from geo.monitor import report
from geo.monitor.model import Actual, MonitorPlan
from geo.store import single_user
from geo.store import workspace as ws
from layers import load_monitor_plan
from tests.fixtures.cli import geo
from tests.fixtures.stores import created

YEAR = 2023


def src(year: int, what: str) -> str:
    return f"示例：{year}年统计公报（{what}）第3页"


def example(kind: str, sid: str, year: int, by: str = "li.wei", **values: object) -> Actual:
    at = f"{year + 1}-03-0{year % 7 + 1}T08:30:00+00:00"
    return Actual(kind, sid, year, src(year, sid), recorded_by=by, recorded_at=at, version=1,  # type: ignore[arg-type]
                  **values)


EXAMPLES = [
    example("target", "P-5", 2022, value=120.0, unit="亿元"),
    example("target", "P-5", 2023, value=150.5, unit="亿元"),
    example("target", "C-1", 2022, value=40.0, unit="家"),
    example("target", "C-1", 2023, value=60.0, unit="家"),
    example("target", "P-1", 2022, value=12.0, unit="%"),
    example("target", "P-1", 2023, value=15.0, unit="%"),
    example("project", "T2-3", 2022, stage="preparation", land_mu=100.0),
    example("project", "T2-3", 2023, by="wang.fang", stage="construction", land_mu=300.0, revenue_yi=2.5),
    example("project", "T4-1", 2023, stage="operating", land_mu=1011.0, revenue_yi=30.0),
    example("action", "K-1", 2022, state="in_progress"),
    example("action", "K-1", 2023, state="done", note="示例备注"),
]
#: A correction of 2023's P-5 (a later version): the report uses it, not version 1.
CORRECTED = Actual("target", "P-5", 2023, "示例：更正后的2023年统计公报，第4页", value=155.0, unit="亿元",
                   recorded_by="li.wei", recorded_at="2024-04-01T08:00:00+00:00", version=2)

#: The records the 2023 report uses: each subject's latest up to 2023 (the correction of P-5), both rates of P-1.
USED_2023 = [*(a for a in EXAMPLES if a.year == YEAR and a.subject_id != "P-5"), EXAMPLES[4], CORRECTED]

HEADINGS = ["1 总体情况", "2 指标完成情况", "3 重点项目推进情况", "4 空间布局", "5 存在问题", "6 重点行动",
            "附录 数据来源"]
TARGET_HEADER = ["编号", "指标", "单位", "基期值", "目标值", "目标年", "实际值", "状态", "来源"]


@pytest.fixture(scope="module")
def monitor_plan() -> MonitorPlan:
    return load_monitor_plan()


def timed(label: str, work: Callable[[], object]) -> float:
    """Run ``work``; print and return its wall time (the 10 s budget is printed, not asserted)."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    took = time.perf_counter() - wall
    print(f"\n{label}: {took:.2f} s wall, {time.process_time() - cpu:.2f} s CPU (budget 10 s)")
    return took


def docx_table(doc, first_row: list[str]):
    for table in doc.tables:
        if [c.text for c in table.rows[0].cells][:len(first_row)] == first_row:
            return table
    raise AssertionError(f"no table starts with {first_row}")


def rows_by_id(table) -> dict[str, list[str]]:
    return {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}


def pdftotext(path: Path, *, layout: bool = True) -> str:
    """The PDF's text: ``layout`` keeps table rows on one line; without it a cell's wrapped lines follow each other."""
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    return [line.split() for line in out[2:] if line.strip()]


# --- Word --------------------------------------------------------------------------------------------------------

def test_docx_holds_the_targets_table_headings_map_and_sources(monitor_plan: MonitorPlan, tmp_path: Path) -> None:
    out = tmp_path / "2023年度发展报告.docx"

    def make() -> None:
        content = report.build_report(monitor_plan, [*EXAMPLES, CORRECTED], year=YEAR, final=False)
        report.write_docx(content, out)

    timed("report .docx (build, map, write)", make)
    doc = Document(str(out))
    paragraphs = list(doc.paragraphs)
    title = paragraphs[0]
    assert title.style.name == "Title"
    assert monitor_plan.title_zh in title.text and f"{YEAR}年度发展报告" in title.text
    headings = [p.text for p in paragraphs if p.style.name.startswith("Heading")]
    assert [h for h in headings if h in HEADINGS] == HEADINGS
    assert "3.1 研发孵化（表2）" in headings

    table = rows_by_id(docx_table(doc, TARGET_HEADER))
    assert table["P-5"][6:8] == ["155", "推进中"]  # the correction (version 2) is in force
    assert "更正后" in table["P-5"][8]
    assert table["C-1"][3:8] == ["25（2020）", "100", "2025", "60", "进度滞后"]
    assert table["P-1"][4] == "＞14" and table["P-1"][6:8] == ["15（年均13.49）", "进度滞后"]
    assert table["P-2"][6:9] == ["—", "无数据", "—"]  # no record: a dash, never 0
    assert "Y-1" not in table  # the plan period itself is no target

    projects = rows_by_id(docx_table(doc, ["编号", "项目", "阶段", "已供地/规划面积（亩）"]))
    assert projects["T2-3"][2:] == ["在建", "300/888", "33.8%", "2.5", "80"]
    assert projects["T2-1"][2:] == ["—", "—/3052", "—", "—", "—"]
    assert any("入驻饱和前不可比" in p.text for p in paragraphs)

    problems = [p.text for p in paragraphs if p.style.name == "List Bullet"]
    assert len(problems) == 2 and "C-1" in problems[1] and "按期应达60%" in problems[1], problems

    sources = docx_table(doc, ["类别", "编号", "名称", "年份", "填报内容", "来源", "填报人", "填报时间"])
    listed = {(r.cells[1].text, r.cells[3].text): [c.text for c in r.cells] for r in sources.rows[1:]}
    assert sorted(listed) == sorted((a.subject_id, str(a.year)) for a in USED_2023)
    for a in USED_2023:
        row = listed[(a.subject_id, str(a.year))]
        assert row[5] == a.source and row[6] == a.recorded_by and row[7].startswith(a.recorded_at[:10]), row
        assert row[8] == str(a.version)
    assert listed[("K-1", "2023")][4] == "进展：已完成；备注：示例备注"

    assert len(doc.inline_shapes) == 1  # the map of section 4
    body = doc.element.body.xml
    assert 'TOC \\o "1-2"' in body and 'w:fldCharType="begin"' in body
    assert doc.settings.element.find(qn("w:updateFields")) is not None


def test_docx_names_east_asian_fonts_on_its_styles(monitor_plan: MonitorPlan, tmp_path: Path) -> None:
    content = report.build_report(monitor_plan, EXAMPLES, year=YEAR, final=False, with_map=False)
    out = report.write_docx(content, tmp_path / "r.docx")
    doc = Document(str(out))

    def east_asian(style: str) -> str | None:
        fonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would win over the named one
        return fonts.get(qn("w:eastAsia"))

    assert east_asian("Normal") == "宋体"
    assert east_asian("Heading 1") == east_asian("Heading 2") == east_asian("Title") == "黑体"
    with zipfile.ZipFile(out) as z:
        styles = z.read("word/styles.xml").decode("utf-8")
    assert 'w:eastAsia="zh-CN"' in styles


# --- PDF ---------------------------------------------------------------------------------------------------------

def test_pdf_holds_the_same_values_with_fonts_embedded(monitor_plan: MonitorPlan, tmp_path: Path) -> None:
    assert shutil.which("pdftotext") and shutil.which("pdffonts"), "poppler-utils is missing: ./test.sh installs it"
    out = tmp_path / "2023年度发展报告.pdf"

    def make() -> None:
        content = report.build_report(monitor_plan, EXAMPLES, year=YEAR, final=False)
        report.write_pdf(content, out)

    timed("report .pdf (build, map, write)", make)
    text = pdftotext(out)
    flat = "".join(pdftotext(out, layout=False).split())  # reading order, whitespace dropped: wrapped cells joined
    for heading in HEADINGS:
        assert heading.replace(" ", "") in flat
    assert f"{YEAR}年度发展报告" in flat and monitor_plan.title_zh in flat
    for line in ("P-5", "C-1"):
        assert line in text
    row = next(line for line in text.splitlines() if line.lstrip().startswith("C-1 "))
    assert "25（2020）" in row and " 60 " in row and "进度滞后" in row
    row = next(line for line in text.splitlines() if line.lstrip().startswith("P-5 "))
    assert "150.5" in row and "推进中" in row
    assert "15（年均13.49）" in flat
    appendix = text[text.rindex("附录 数据来源"):]
    for a in USED_2023[:-1]:  # the PDF is made without the correction
        line = next(line for line in appendix.splitlines() if f" {a.subject_id} " in line and f" {a.year} " in line)
        assert a.source in line and a.recorded_by in line and a.recorded_at[:10] in line, line
    assert "li.wei" in text and "wang.fang" in text
    fonts = pdffonts(out)
    assert fonts, "no font in the PDF"
    for font in fonts:  # name type encoding emb sub uni object ID
        assert font[-5] == "yes", f"font not embedded: {font}"
    assert any("CJK" in font[0] or "Noto" in font[0] for font in fonts)


# --- 终期评估, no data ---------------------------------------------------------------------------------------------

def test_final_puts_every_year_side_by_side(monitor_plan: MonitorPlan, tmp_path: Path) -> None:
    content = report.build_report(monitor_plan, EXAMPLES, year=2025, final=True, with_map=False)
    assert "终期评估报告（2021–2025年）" in content.title
    targets = content.table("targets")
    years = ["2021年", "2022年", "2023年", "2024年", "2025年"]
    assert list(targets.header[6:11]) == years and targets.header[11] == "状态（2025年）"
    rows = {r[0]: r for r in targets.rows}
    assert rows["C-1"][6:11] == ("—", "40", "60", "—", "—")
    assert rows["P-5"][6:11] == ("—", "120", "150.5", "—", "—")
    assert rows["P-1"][7] == "12"
    assert rows["C-1"][11] == "进度滞后"  # judged at its latest figure, 2023 (rule 7)
    projects = {r[0]: r for r in content.table("projects:rd").rows}
    assert projects["T2-3"][2:7] == ("—", "前期", "在建", "—", "—")
    actions = {r[0]: r for r in content.table("actions").rows}
    assert actions["K-1"][3:8] == ("—", "推进中", "已完成", "—", "—")
    sources = {(r[1], r[3]): r for r in content.table("sources").rows}
    assert sorted(sources) == sorted((a.subject_id, str(a.year)) for a in EXAMPLES)  # every year's record is used

    out = report.write_docx(content, tmp_path / "终期评估.docx")
    doc = Document(str(out))
    header = [c.text for c in docx_table(doc, TARGET_HEADER[:6]).rows[0].cells]
    assert header[6:11] == years
    assert any(s.orientation == 1 for s in doc.sections)  # the wide table on landscape pages


def test_no_actuals_every_status_no_data_and_how_to_fill(monitor_plan: MonitorPlan) -> None:
    content = report.build_report(monitor_plan, [], year=YEAR, final=False, with_map=False)
    targets = content.table("targets")
    assert targets.rows and {r[7] for r in targets.rows} == {"无数据"}
    assert {r[6] for r in targets.rows} == {"—"}
    for key in ("projects:rd", "projects:testing"):
        assert {r[2] for r in content.table(key).rows} == {"—"}
    text = " ".join(t for t in content.strings())
    assert f"python -m geo monitor template --year {YEAR}" in text
    with pytest.raises(KeyError):
        content.table("sources")


def test_english_words(monitor_plan: MonitorPlan) -> None:
    content = report.build_report(monitor_plan, EXAMPLES, year=YEAR, final=False, lang="en", with_map=False)
    assert f"Annual Development Report {YEAR}" in content.title
    rows = {r[0]: r for r in content.table("targets").rows}
    assert rows["C-1"][7] == "behind" and rows["P-2"][6] == "—"


def test_missing_values_are_a_dash_never_zero() -> None:
    for missing in (None, float("nan"), "——", "", "nan"):
        assert report.fmt_number(missing) == "—"
    assert report.fmt_number(0) == "0" and report.fmt_number(12.50) == "12.5" and report.fmt_number(3052.0) == "3052"
    assert report.fmt_ratio(None) == "—" and report.fmt_ratio(0.338) == "33.8%"


def test_year_outside_the_plan_period_is_refused(monitor_plan: MonitorPlan) -> None:
    with pytest.raises(ValueError, match="outside the plan period"):
        report.build_report(monitor_plan, EXAMPLES, year=2026, final=True, with_map=False)


# --- the print map by stage ----------------------------------------------------------------------------------------

def _has_colour(png: bytes, hex_colour: str) -> bool:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return bool((np.abs(pixels.astype(int) - rgb).max(axis=1) <= 2).sum() > 200)


def test_print_map_colours_parcels_by_stage(monitor_plan: MonitorPlan) -> None:
    from geo.monitor import evaluate

    rows = evaluate.status_rows(monitor_plan, EXAMPLES, YEAR)
    png = report.stage_map(monitor_plan, rows, year=YEAR, dpi=100)
    assert _has_colour(png, report.STAGE_COLOURS["construction"])  # T2-3 在建
    assert _has_colour(png, report.STAGE_COLOURS["operating"])  # T4-1 投用
    assert _has_colour(png, report.STAGE_COLOURS["no_data"])  # the others
    assert not _has_colour(png, report.STAGE_COLOURS["saturated"])
    assert not _has_colour(png, "#d62728")  # the testing track's colour: parcels are not by track


# --- the command -----------------------------------------------------------------------------------------------------

def test_cli_writes_exactly_the_file_named(backend, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ws.office().record_actuals(single_user("test"), [
        Actual(a.kind, a.subject_id, a.year, a.source, note=a.note, value=a.value, unit=a.unit, stage=a.stage,
               land_mu=a.land_mu, revenue_yi=a.revenue_yi, state=a.state) for a in EXAMPLES
    ], origin="示例")
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "report.docx"
    code, out, err = geo(capsys, monkeypatch, "report", "--year", str(YEAR), "--no-map", "-o", str(target))
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["report.docx"]
    assert f"wrote {target}" in out and f"{len(USED_2023)} actuals used" in out
    rows = rows_by_id(docx_table(Document(str(target)), TARGET_HEADER))
    assert rows["C-1"][6:8] == ["60", "进度滞后"] and rows["C-1"][8] == src(2023, "C-1")

    # a symlink is written through, never replaced
    real = folder / "real.pdf"
    link = folder / "link.pdf"
    link.symlink_to(real)
    code, _, err = geo(capsys, monkeypatch, "report", "--year", str(YEAR), "--no-map", "-o", str(link))
    assert code == 0, err
    assert link.is_symlink() and real.read_bytes().startswith(b"%PDF")

    for args, fragment in ((["--year", "2026", "-o", str(folder / "r.docx")], "outside the plan period"),
                           (["--year", str(YEAR), "-o", str(folder / "r.txt")], "cannot tell the format"),
                           (["--year", str(YEAR), "-o", str(tmp_path / "missing" / "r.docx")], "does not exist")):
        code, _, err = geo(capsys, monkeypatch, "report", *args)
        assert code == 2 and fragment in err and "Traceback" not in err, err
    assert sorted(p.name for p in folder.iterdir()) == ["link.pdf", "real.pdf", "report.docx"]


def test_cli_runs_as_a_process(tmp_path: Path) -> None:
    target = tmp_path / "报告.pdf"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_DATABASE")}
    env["GEO_WORKSPACE"] = str(created(tmp_path / "ws"))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "geo", "report", "--year", str(YEAR), "-o", str(target)],
                          capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[1],
                          timeout=120, check=False)
    print(f"\npython -m geo report -o 报告.pdf (a new process, with the map, no actuals): "
          f"{time.perf_counter() - started:.2f} s wall")
    assert done.returncode == 0, done.stderr
    assert "no actuals recorded" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws", "报告.pdf"]
    flat = "".join(pdftotext(target, layout=False).split())
    assert "无数据" in flat and "monitortemplate--year2023" in flat
