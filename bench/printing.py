"""Issue 6: the whole demo school's Bảng tổng hợp for one milestone (25 classes, A3 landscape).

Subject: ``printing.tong_hop.render`` for every class of the year (one PDF per class, as the office
prints them), from data already built by ``services.books.class_summary`` (building it is shown
apart, for information).  Baselines, measured in the same run on the same strings:

* LibreOffice headless converting one .xlsx holding the same 25 tables (one sheet per class, A3
  landscape, header rows repeated) to PDF — target: at least 5× faster (ratio ≤ 0.2);
* reportlab's bare canvas drawing the same strings at fixed positions with the same embedded
  fonts, grid lines and page breaks, no wrapping — target: at most 2× its time;
* peak memory of a fresh process doing the subject's work — target: under 300 MB.

Also shown: the 25 classes bound in one file (``printing.bound.render_tong_hop``).
LibreOffice is looked for as ``soffice`` / ``libreoffice`` on PATH (Debian: libreoffice-calc-nogui).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: bench/printing.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.common import Figure, Target  # noqa: E402

MILESTONE = "GK1"  # complete and locked in the demo school's current year
MEMORY_LIMIT_MB = 300


# --- the data -------------------------------------------------------------------------------------

def summaries(path: Path, milestone: str = MILESTONE):
    """The year's Bảng tổng hợp data, one per class in school order, read as the principal."""
    from nk_desktop.db import open_database
    from nk_desktop.services import books

    db = open_database(path)
    try:
        actor = common.actor_named(db, common.PRINCIPAL)
        year = common.current_year(db)
        classes = books.printable_classes(db, actor, year.id)
        return [books.class_summary(db, actor, class_id, milestone) for class_id, _name in classes]
    finally:
        db.dispose()


def render_all(data) -> list[bytes]:
    from nk_desktop.printing import tong_hop

    return [tong_hop.render(summary) for summary in data]


# --- the strings of a sheet (shared by both baselines) ------------------------------------------------

def _sheet_rows(summary) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """(header labels, pupil rows, total rows) as plain strings in print order."""
    from nk_desktop.printing.tong_hop import LEVEL_HEAD, SCORE_HEAD, TRAIT_GROUPS, TRAIT_PRINT_ORDER, YEAR_END_HEADS

    head = ["STT", "Họ và tên học sinh"]
    for subject in summary.subjects:
        head.append(f"{subject.name} {LEVEL_HEAD}")
        if subject.tested:
            head.append(f"{subject.name} {SCORE_HEAD}")
    head += [name for _group, names, _indexes in TRAIT_GROUPS for name in names]
    if summary.year_end:
        head += list(YEAR_END_HEADS)
    head.append("Ghi chú")
    rows = []
    for row in summary.rows:
        cells = [str(row.number), row.full_name]
        for subject in summary.subjects:
            cells.append(row.levels.get(subject.code, ""))
            if subject.tested:
                cells.append(row.scores.get(subject.code, ""))
        traits = row.traits or [""] * 15
        cells += [traits[n] for n in TRAIT_PRINT_ORDER]
        if summary.year_end:
            cells += [row.overall, row.award, row.completion]
        cells.append(row.note)
        rows.append(cells)
    totals = []
    for letter, label in (("T", "Số T / Tốt"), ("H", "Số H / Đạt"), ("C", "Số C / Cần cố gắng")):
        line = ["", label]
        for column in range(2, len(head)):
            line.append(str(sum(1 for r in rows if r[column] in (letter, {"H": "Đ"}.get(letter, letter)))))
        totals.append(line)
    return head, rows, totals


def canvas_render(data) -> list[bytes]:
    """The bare-canvas baseline: same strings, same fonts, fixed cells, no wrapping, header per page."""
    import io

    from reportlab.lib.pagesizes import A3, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdf_canvas

    from nk_desktop.printing import fonts

    fonts.register()
    width, height = landscape(A3)
    left, right, top, bottom = 30 * mm, 15 * mm, 20 * mm, 20 * mm
    out = []
    for summary in data:
        head, rows, totals = _sheet_rows(summary)
        buffer = io.BytesIO()
        c = pdf_canvas.Canvas(buffer, pagesize=(width, height), invariant=1)
        c.setTitle(f"Bảng tổng hợp lớp {summary.class_name}")
        name_w, number_w = 42 * mm, 8 * mm
        each = (width - left - right - name_w - number_w) / (len(head) - 2)
        xs = [left, left + number_w, left + number_w + name_w]
        for _n in range(len(head) - 3):
            xs.append(xs[-1] + each)
        row_h = 10.5
        pages = []

        def page_top() -> float:
            y = height - top
            c.setFont(fonts.SERIF, 12)
            c.drawCentredString(left + 80 * mm, y, summary.header.governing_body.upper())
            c.drawRightString(width - right - 40 * mm, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
            y -= 15
            c.setFont(fonts.SERIF_BOLD, 12)
            c.drawCentredString(left + 80 * mm, y, summary.header.school_name.upper())
            c.drawRightString(width - right - 60 * mm, y, "Độc lập - Tự do - Hạnh phúc")
            y -= 30
            c.setFont(fonts.SERIF_BOLD, 14)
            c.drawCentredString(width / 2, y, "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP")
            y -= 18
            c.setFont(fonts.SERIF_BOLD, 12)
            c.drawCentredString(width / 2, y, f"Lớp {summary.class_name} — {summary.milestone_name} — "
                                              f"Năm học {summary.year_name}")
            y -= 20
            c.setFont(fonts.SERIF_BOLD, 7.5)
            for x, label in zip(xs, head):
                c.drawString(x + 1.5, y - 8, label[:18])
            c.line(left, y, width - right, y)
            return y - 2 * row_h

        y = page_top()
        for cells in rows + totals:
            if y - row_h < bottom + 40:
                pages.append(1)
                c.showPage()
                y = page_top()
            c.setFont(fonts.SERIF, 7.5)
            for x, value in zip(xs, cells):
                if value:
                    c.drawString(x + 1.5, y - 7.5, value)
            c.line(left, y, width - right, y)
            y -= row_h
        c.line(left, y, width - right, y)
        for x in xs + [width - right]:
            c.line(x, y, x, height - top - 83)
        c.setFont(fonts.SERIF_ITALIC, 12)
        c.drawCentredString(width * 0.72, y - 20, f"{summary.header.place_name}, ngày ..... tháng ..... năm ........")
        c.setFont(fonts.SERIF_BOLD, 12)
        c.drawCentredString(width * 0.3, y - 36, "GIÁO VIÊN CHỦ NHIỆM")
        c.drawCentredString(width * 0.72, y - 36, "HIỆU TRƯỞNG")
        c.drawCentredString(width * 0.3, y - 100, summary.homeroom_name)
        c.drawCentredString(width * 0.72, y - 100, summary.principal_name)
        total = len(pages) + 1
        c.setFont(fonts.SERIF, 9)
        c.drawRightString(width - right, 10 * mm, f"Trang {total}/{total}")
        c.drawString(left, 10 * mm, "Xác nhận của giáo viên bộ môn: ......    Xác nhận của giáo viên chủ nhiệm: ......")
        c.showPage()
        c.save()
        out.append(buffer.getvalue())
    return out


# --- LibreOffice -----------------------------------------------------------------------------------

def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def write_xlsx(data, target: Path) -> None:
    """One sheet per class with the same title, header, pupils and totals; A3 landscape, fit to width."""
    import openpyxl
    from openpyxl.styles import Alignment, Border, Font, Side

    book = openpyxl.Workbook()
    book.remove(book.active)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for summary in data:
        head, rows, totals = _sheet_rows(summary)
        sheet = book.create_sheet(summary.class_name)
        sheet.append([summary.header.governing_body.upper(), "", "", "", "", "", "", "", "",
                      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
        sheet.append([summary.header.school_name.upper(), "", "", "", "", "", "", "", "",
                      "Độc lập - Tự do - Hạnh phúc"])
        sheet.append(["BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP"])
        sheet.append([f"Lớp {summary.class_name} — {summary.milestone_name} — Năm học {summary.year_name}"])
        sheet.append(head)
        for cells in rows + totals:
            sheet.append(cells)
        sheet.append([])
        sheet.append(["", "GIÁO VIÊN CHỦ NHIỆM", "", "", "", "", "", "", "", "", "HIỆU TRƯỞNG"])
        sheet.append(["", summary.homeroom_name, "", "", "", "", "", "", "", "", summary.principal_name])
        for row in sheet.iter_rows(min_row=5, max_row=5 + len(rows) + len(totals)):
            for cell in row:
                cell.border = border
                cell.font = Font(name="Liberation Serif", size=8)
                cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions["B"].width = 24
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "5:5"
        sheet.oddFooter.center.text = "Trang &P/&N"
    book.save(target)


def convert(binary: str, source: Path, out_dir: Path, profile: Path) -> Path:
    subprocess.run([binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(source)],
                   check=True, capture_output=True, timeout=600)
    result = out_dir / (source.stem + ".pdf")
    if not result.exists():
        raise RuntimeError("LibreOffice wrote no PDF")
    return result


# --- memory: a fresh process doing the subject's work ---------------------------------------------------

CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from bench import printing
start = time.perf_counter()
data = printing.summaries(__import__("pathlib").Path(sys.argv[2]), sys.argv[3])
built = time.perf_counter()
pdfs = printing.render_all(data)
done = time.perf_counter()
print(json.dumps({"maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "classes": len(pdfs), "bytes": sum(len(p) for p in pdfs),
                  "build_s": built - start, "render_s": done - built}))
"""


def child_memory(path: Path, milestone: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(common.ROOT), str(path), milestone],
                          capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the bench -------------------------------------------------------------------------------------

def run() -> list[Figure]:
    from nk_desktop.printing import bound
    from nk_desktop.printing.sections import page_count

    data_dir = common.data()
    path = data_dir.copy(data_dir.demo(), "printing.sqlite")
    n = common.runs(heavy=True)
    common.progress(f"printing: building the Bảng tổng hợp data of every class ({MILESTONE})")
    build_t = common.repeat(lambda i: summaries(path), max(3, n // 2))
    data = summaries(path)
    classes, pupils = len(data), sum(len(s.rows) for s in data)
    pdfs = render_all(data)
    pages = sum(page_count(p) for p in pdfs)
    figures = [Figure(f"(info) build the data: class_summary × {classes} classes ({pupils} pupils)",
                      common.median_ms(build_t))]

    common.progress(f"printing: {classes} sheets with platypus vs the bare canvas ({pages} pages)")
    subject_t, canvas_t = common.compare(lambda i: render_all(data), lambda i: canvas_render(data), n)
    subject_ms = common.median_ms(subject_t)
    figures.append(Figure(f"Bảng tổng hợp, {classes} classes, {pages} A3 pages (tong_hop.render × {classes})",
                          subject_ms, "reportlab bare canvas, same strings", common.median_ms(canvas_t),
                          Target.at_most_ratio(2)))
    bound_t = common.repeat(lambda i: bound.render_tong_hop(data), n)
    figures.append(Figure(f"(info) the same {classes} classes bound in one file", common.median_ms(bound_t)))

    binary = soffice()
    if binary is None:
        figures.append(common.skipped("Bảng tổng hợp vs LibreOffice headless (.xlsx → PDF)",
                                      "LibreOffice not found (apt-get install libreoffice-calc-nogui)",
                                      Target.at_most_ratio(0.2)))
    else:
        work = Path(tempfile.mkdtemp(prefix="nk-bench-lo-", dir=data_dir.folder))
        source = work / "tong-hop.xlsx"
        write_xlsx(data, source)
        profile = work / "profile"
        common.progress(f"printing: LibreOffice converting the same {classes} sheets (first run sets up a profile)")
        convert(binary, source, work, profile)  # warm-up: the profile is created once
        # interleaved, so that a change of machine load touches both alike
        lo_subject, lo_t = common.compare(lambda i: render_all(data), lambda i: convert(binary, source, work, profile),
                                          n, warmup=0)
        lo_pages = page_count((work / "tong-hop.pdf").read_bytes())
        figures.append(Figure(f"Bảng tổng hợp, {classes} classes vs LibreOffice headless (.xlsx → PDF)",
                              common.median_ms(lo_subject), f"soffice --convert-to pdf ({lo_pages} pages)",
                              common.median_ms(lo_t), Target.at_most_ratio(0.2),
                              note="LibreOffice's time includes starting the soffice process, as a school "
                                   "converting a workbook would pay it; the .xlsx is written beforehand, untimed"))
        shutil.rmtree(work, ignore_errors=True)

    common.progress("printing: peak memory of a fresh process building and rendering the 25 sheets")
    memory = child_memory(path, MILESTONE)
    figures.append(Figure(
        f"peak memory, fresh process: data + {memory['classes']} sheets ({memory['bytes'] / 1e6:.1f} MB of PDF)",
        None, note=f"peak RSS {memory['maxrss_mb']:.0f} MB (target < {MEMORY_LIMIT_MB} MB: "
                   f"{'OK' if memory['maxrss_mb'] < MEMORY_LIMIT_MB else 'NOT MET'}); in that process the data "
                   f"took {memory['build_s'] * 1000:.0f} ms, the rendering {memory['render_s'] * 1000:.0f} ms"))
    common.remove_db(path)
    return figures


def main() -> int:
    """Run this bench alone: ``.venv/bin/python bench/printing.py [--quick] [--data DIR]``."""
    home = Path(tempfile.mkdtemp(prefix="nk-bench-home-"))
    os.environ.update({"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(home / "config"),
                       "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
                       "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    os.environ.pop("NK_DATABASE_URL", None)
    common.CONFIG.quick = "--quick" in sys.argv
    if "--data" in sys.argv:
        common.CONFIG.workdir = Path(sys.argv[sys.argv.index("--data") + 1]).resolve()
    started = time.perf_counter()
    figures = run()
    print(common.table(figures))
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
