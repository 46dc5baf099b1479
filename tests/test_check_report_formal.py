"""The formal 核查报告 of ``python -m geo check --report``: Word, PDF and HTML from one content, in one language.

The defects file is built from the plan's own parcels (as tests/test_cli_check.py builds its survey), in
EPSG:4544 with the surveyor's names in ``名称``: T2-3 as planned, T2-4 scaled by 1.05 (area mismatch), a copy of
T2-3 (duplicate), a bow-tie over T2-5 (self-intersection, GEOS text translated), and a parcel whose name no plan
project has (unmatched). The reports are written by the CLI as a user runs it and read back with python-docx and
pdftotext: 核查人, the date (China time), a findings table naming the parcels as the file does, and no internal key.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pyogrio
import pytest
import shapely
from docx import Document

from geo import cli
from geo.checks import CheckOptions, PlanLayers, check_file
from geo.checks.formal import build_formal, report_words
from geo.reports import report_format
from geo.store import single_user
from geo.store import workspace as ws
from layers import load_districts, load_parcels, load_zones
from tests.fixtures.stores import created

NAMES = ["科学谷前沿科技孵化片区", "金凤智能装备研发孵化片区", "科学谷前沿科技孵化片区", "金凤生物医药产业园",
         "宗地J-7补测"]
#: Internal words that must not reach an official's (Chinese) report: check and column keys, GEOS's text.
KEYS = re.compile(r"area_mismatch|project_id|measured_mu|message_zh|name_field|flagged_features|"
                  r"[a-z]+_[a-z]+|Self-intersection|Ring Self-intersection|\bNone\b|\bnan\b|<NA>")


@pytest.fixture(scope="module")
def defects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = load_parcels().set_index("project_id")
    t23, t24, t25 = plan.geometry["T2-3"], plan.geometry["T2-4"], plan.geometry["T2-5"]
    x0, y0, x1, y1 = t25.bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    extra = shapely.affinity.translate(t23, 0.02, 0.0)  # east of T2-3, a name of no plan project
    layer = plan.loc[["T2-3"] * 5, []].reset_index(drop=True)
    layer["名称"] = NAMES
    layer = layer.set_geometry([t23, shapely.affinity.scale(t24, 1.05, 1.05), t23, bowtie, extra], crs="EPSG:4326")
    path = tmp_path_factory.mktemp("formal") / "测绘成果.gpkg"
    pyogrio.write_dataframe(layer.to_crs("EPSG:4544"), path, driver="GPKG")
    return path


def geo(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = cli.main(["check", *args])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def docx_text(path: Path) -> tuple[str, list[list[list[str]]]]:
    """All paragraphs' text (body, headers, footers) and every table's cells."""
    doc = Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    cells = [c for t in tables for row in t for c in row]
    return "\n".join(paragraphs + cells), tables


def xml_text(path: Path) -> str:
    """Every ``w:t`` of the Word file's parts (document, footers, core properties)."""
    with zipfile.ZipFile(path) as z:
        parts = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/") and n.endswith(".xml")
                 and ("document" in n or "footer" in n or "header" in n)]
    return "\n".join("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", x)) for x in parts)


def table_starting(tables: list[list[list[str]]], first: list[str]) -> list[list[str]]:
    for t in tables:
        if t[0][:len(first)] == first:
            return t
    raise AssertionError(f"no table starts with {first}: {[t[0] for t in tables]}")


def today_in_china() -> str:
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    return f"{now.year}年{now.month}月{now.day}日"


def test_docx_names_the_checker_the_date_and_the_parcels(backend, defects: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    ws.office().add_user(single_user(), "li.wei", "checker", "li.wei-Secret-4444")
    target = tmp_path / "核查报告.docx"
    code, out, err = geo(capsys, str(defects), "--name-field", "名称", "--report", str(target), "--user", "li.wei")
    assert code == 0, err
    assert f"核查报告 written to {target}" in out
    text, tables = docx_text(target)
    assert "《重庆高新区“十四五”高技术服务业发展规划》" in text and "地块核查报告" in text
    assert "核查人：li.wei" in text and "审核人：____" in text and "核查意见：____" in text
    assert today_in_china() in text and "北京时间" in text
    facts = {row[0]: row[1] for row in table_starting(tables, ["项目", "内容"])[1:]}
    assert facts["文件名"] == "测绘成果.gpkg" and facts["核查人"] == "li.wei" and facts["地块名称字段"] == "名称"
    assert re.fullmatch(r"[0-9a-f]{64}", facts["SHA-256 校验值"])
    assert facts["坐标系"].endswith("EPSG:4544") and facts["文件格式"] == "GeoPackage"

    findings = table_starting(tables, ["序号", "地块", "检查项", "严重程度", "说明"])[1:]
    by_parcel = {(r[1], r[2]) for r in findings}
    assert ("金凤智能装备研发孵化片区", "面积与规划不符") in by_parcel
    assert ("科学谷前沿科技孵化片区", "重复地块") in by_parcel
    assert ("金凤生物医药产业园", "几何无效") in by_parcel
    assert ("宗地J-7补测", "未匹配项目") in by_parcel
    invalid = next(r for r in findings if r[2] == "几何无效")
    assert "自相交" in invalid[4] and "位置" in invalid[4] and invalid[3] == "错误"
    duplicate = next(r for r in findings if r[2] == "重复地块")
    assert duplicate[4] == ("与要素 1（科学谷前沿科技孵化片区）的几何完全相同"  # the other parcel by its name too
                            "。整改建议：删除重复的地块，每个地块只保留一条记录")  # and how to fix it
    summary = {row[0]: row[1] for row in table_starting(tables, ["项目", "数量"])[1:]}
    assert summary["核查地块数"] == "5" and summary["问题合计"] == str(len(findings))
    assert "面积与规划不符（警告）：实测面积与规划分配面积相差超过 1%" in text  # the checks and tolerance used

    everything = text + "\n" + xml_text(target)
    assert not KEYS.search(everything), KEYS.search(everything)
    assert len(Document(str(target)).inline_shapes) == 1  # the map


def test_pdf_and_html_carry_the_same_content(defects: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_WORKSPACE", str(created(tmp_path / "ws")))  # the single user: no --user
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    pdf, page, legacy = tmp_path / "核查报告.pdf", tmp_path / "核查报告.html", tmp_path / "report.html"
    for args in (["--report", str(pdf)], ["--report", str(page), "-o", str(legacy)]):
        code, _, err = geo(capsys, str(defects), "--name-field", "名称", *args)
        assert code == 0, err
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    for words in ("地块核查报告", "核查人：____", "审核人：____", "测绘成果.gpkg", today_in_china(), "问题清单",
                  "宗地J-7补测", "金凤生物医药产业园", "几何无效", "自相交", "图1核查地块分布图"):
        assert words in flat, words
    assert not KEYS.search(text), KEYS.search(text)

    html = page.read_text(encoding="utf-8")
    body = re.sub(r'src="data:[^"]*"', "", html)
    body = re.sub(r"<style>.*?</style>|<[^>]+>", " ", body, flags=re.S)
    for words in ("地块核查报告", "表2 核查结果汇总", "表4 问题清单（按地块）", "宗地J-7补测", "核查人：____",
                  "SHA-256", today_in_china()):
        assert words in body, words
    assert not KEYS.search(body), KEYS.search(body)
    assert "<script" not in html and 'src="data:image/png;base64,' in html

    old = legacy.read_text(encoding="utf-8")  # the -o report carries the file, SHA-256, date and lines to sign
    for words in ("《重庆高新区“十四五”高技术服务业发展规划》 地块核查报告", "SHA-256 校验值", today_in_china(),
                  "审核人：____", "核查意见：____", "表1 核查对象"):
        assert words in old, words


def test_english_report_is_english_throughout(defects: Path) -> None:
    run = check_file(defects, PlanLayers(load_parcels(), load_zones(), load_districts()),
                     CheckOptions(name_field="名称"))
    content = build_formal(run, defects, checker="li.wei", lang="en", plan_parcels=load_parcels(), with_map=False,
                           made=dt.datetime(2026, 3, 5, 2, 30, tzinfo=dt.UTC))
    words = report_words(content)
    assert "Parcel check report" in words and "2026-03-05 10:30 (China time, UTC+8)" in words
    assert "Checked by: li.wei" in words and "Reviewed by: ____" in words
    table = content.table("findings")
    assert table.header == ("No.", "Parcel", "Check", "Severity", "Description")
    parcels = {r[1] for r in table.rows}
    assert {"宗地J-7补测", "金凤生物医药产业园"} <= parcels  # the file's own names, as written
    assert any(p.startswith("project: ") and "T2-3" not in p for p in parcels)  # a plan project by its name
    # no Chinese besides the parcels' and the file's own names
    own = set(NAMES) | {"测绘成果.gpkg", "名称", "部标"}  # the file's own names and field; 部标 is a format's name
    rest = words
    for name in sorted(own, key=len, reverse=True):
        rest = rest.replace(name, "")
    assert not re.search(r"[\u4e00-\u9fff]", rest), re.findall(r".{10}[\u4e00-\u9fff]+.{10}", rest)[:3]
    assert not KEYS.search(words), KEYS.search(words)


def test_report_format_comes_from_the_suffix(defects: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert [report_format(p) for p in ("a.docx", "b.PDF", "c.htm", "d.html")] == ["docx", "pdf", "html", "html"]
    code, _, err = geo(capsys, str(defects), "--report", str(tmp_path / "r.txt"))
    assert code == 2 and "cannot tell the format" in err and "Traceback" not in err
    code, _, err = geo(capsys, str(defects), "--report", str(tmp_path / "missing" / "r.docx"))
    assert code == 2 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_second_pdf_in_the_process_keeps_its_own_characters(tmp_path: Path) -> None:
    """reportlab maps a font of an already registered face name to the first one: each subset is its own face."""
    from geo.reports.model import ReportContent, Section, Text
    from geo.reports.pdf import build_pdf

    for i, words in enumerate(("甲乙丙丁戊己", "甲乙庚辛壬癸")):
        path = tmp_path / f"{i}.pdf"
        path.write_bytes(build_pdf(ReportContent(words[:3], "", sections=(Section(words[3], 1, (Text(words[4:]),)),))))
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "".join(text.split()).startswith(words), text


def test_a_resubmission_adds_the_section_on_corrections_and_renumbers_the_rest(defects: Path) -> None:
    """整改情况 comes after 问题清单 (五), the map and the signatures move on (六, 七); without one nothing moves."""
    from geo.checks.resubmit import compare

    plan = PlanLayers(parcels=load_parcels(), zones=load_zones(), districts=load_districts())
    run = check_file(defects, plan, CheckOptions(name_field="名称"))
    earlier = run.result.findings.iloc[:2]  # the earlier upload: two findings, one of them since fixed
    earlier = earlier.assign(check=["sliver", earlier["check"].iloc[1]])
    resub = compare(earlier, run.result.findings, of="abc123", of_name="示例.gpkg",
                    of_saved_at="2026-05-20T08:30:00+00:00")
    assert resub.counts == {"fixed": 1, "open": 1, "new": len(run.result.findings) - 1}
    plain = build_formal(run, defects, with_map=False)
    assert [s.title for s in plain.sections][-2:] == ["四、问题清单", "六、核查意见"]  # (no map drawn: no 五)
    assert "整改情况" not in report_words(plain)
    zh = build_formal(run, defects, with_map=False, resubmission=resub)
    titles = [s.title for s in zh.sections]
    assert titles[-3:] == ["四、问题清单", "五、整改情况", "七、核查意见"]
    words = report_words(zh)
    assert ("本次报送为对上次报送「示例.gpkg」（保存于 2026年5月20日 16:30（北京时间），编号 abc123）的重新提交。"
            in words)
    assert f"与上次报送相比：已整改 1 项，仍存在 1 项，新增 {len(run.result.findings) - 1} 项。" in words
    table = zh.table("resubmission")
    assert table.header == ("序号", "地块", "检查项", "整改情况", "说明")
    assert [r[3] for r in table.rows].count("已整改") == 1 and table.rows[0][2] == "细碎图斑"
    assert not KEYS.search(words), KEYS.search(words)
    en = build_formal(run, defects, with_map=False, lang="en", resubmission=resub)
    assert "5 Corrections since the earlier submission" in [s.title for s in en.sections]
    assert "Compared with it: 1 fixed, 1 still open" in report_words(en)
