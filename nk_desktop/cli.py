"""nk-admin: the scripting interface (no Qt).  Same services, same permissions as the window.

Exit codes are a public interface that schools script against:
0 done, 1 refused or invalid with nothing changed, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import os
import secrets
import sys
from typing import Callable, Sequence

from nk_desktop import __version__
from nk_desktop.actor import Actor
from nk_desktop.db import Database, open_database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Wrong usage of the command line (exit 2)."""


class Context:
    """What a command needs: the database and, on demand, the logged-in actor."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self.args.db) if self.args.db else open_database()
        return self._db

    def actor(self) -> Actor:
        from nk_desktop.services.accounts import login

        username = self.args.user or os.environ.get("NK_USER")
        if not username:
            raise UsageError(_("Lệnh này cần --user TÊN_ĐĂNG_NHẬP (mật khẩu trong biến NK_PASSWORD)."))
        password = os.environ.get("NK_PASSWORD")
        if password is None:
            if not sys.stdin or not sys.stdin.isatty():
                raise UsageError(_("Thiếu mật khẩu: đặt biến môi trường NK_PASSWORD."))
            password = getpass.getpass(_("Mật khẩu của {user}: ").format(user=username))
        result = login(self.db, username, password)
        if result.password_change_reason:
            raise NKError(result.password_change_reason + " " + _("Hãy đăng nhập NK Desktop để đổi mật khẩu."))
        return result.actor

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


def write_table(rows: Sequence[Sequence], header: Sequence[str], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    for row in [header, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


def _temporary_password() -> str:
    """A readable temporary password that satisfies the policy (letters and digits)."""
    alphabet = "abcdefghijkmnpqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(6)) + "".join(secrets.choice("23456789") for _ in range(4))


# --- commands ------------------------------------------------------------------------

def cmd_init(ctx: Context) -> int:
    from nk_desktop.services.setup import init_school

    password = os.environ.get("NK_PASSWORD")
    if not password:
        raise UsageError(_("Đặt mật khẩu cho tài khoản hieutruong trong biến môi trường NK_PASSWORD."))
    init_school(ctx.db, ctx.args.school, password, address=ctx.args.address or "", place_name=ctx.args.place or "")
    print(_("Đã tạo trường “{name}” tại {path}; tài khoản hiệu trưởng: hieutruong.").format(
        name=ctx.args.school, path=ctx.db.location))
    return EXIT_OK


def cmd_demo(ctx: Context) -> int:
    from nk_desktop.services.demo import build_demo_school

    summary = build_demo_school(ctx.db, ctx.args.password)
    print(summary)
    return EXIT_OK


def cmd_users_list(ctx: Context) -> int:
    from nk_desktop.services.accounts import list_accounts

    actor = ctx.actor()
    rows = [
        (r.username, r.full_name, ";".join(r.roles), ";".join(r.classes))
        for r in list_accounts(ctx.db, actor)
    ]
    write_table(rows, ("username", "full_name", "roles", "classes"), ctx.args.format)
    return EXIT_OK


def cmd_users_add(ctx: Context) -> int:
    from nk_desktop.services import accounts, school, staff
    from nk_desktop.services.permissions import parse_role
    from nk_desktop.text import split_full_name

    actor = ctx.actor()
    roles = [parse_role(r) for r in ctx.args.role]
    staff_id = None
    if ctx.args.name:
        with ctx.db.read() as session:
            from nk_desktop.services.permissions import Action, require
            require(session, actor, Action.ACCOUNT_MANAGE)
        family, middle, given = split_full_name(ctx.args.name)
        staff_id = staff.create_staff(ctx.db, actor, family_name=family or given, middle_name=middle,
                                      given_name=given, gender=ctx.args.gender or "",
                                      position=ctx.args.position or "")
    password = os.environ.get("NK_NEW_PASSWORD") or _temporary_password()
    accounts.create_account(ctx.db, actor, username=ctx.args.username, staff_id=staff_id, roles=roles,
                            password=password)
    if ctx.args.class_name:
        with ctx.db.read() as session:
            year = school.current_year(session)
            class_id = school.class_by_name(session, year.id, ctx.args.class_name).id
        school.set_homeroom(ctx.db, actor, class_id, staff_id)
    print(_("Đã tạo tài khoản {user}; mật khẩu tạm: {pw} (phải đổi khi đăng nhập lần đầu).").format(
        user=ctx.args.username.lower(), pw=password))
    return EXIT_OK


def cmd_users_reset_password(ctx: Context) -> int:
    from nk_desktop.services.accounts import reset_password

    actor = ctx.actor()
    password = os.environ.get("NK_NEW_PASSWORD") or _temporary_password()
    reset_password(ctx.db, actor, ctx.args.username, password)
    print(_("Đã cấp lại mật khẩu cho {user}; mật khẩu tạm: {pw} (phải đổi khi đăng nhập).").format(
        user=ctx.args.username, pw=password))
    return EXIT_OK


def cmd_years_list(ctx: Context) -> int:
    from nk_desktop.services.school import list_years

    actor = ctx.actor()
    rows = [
        (y.name, y.start_date.isoformat(), y.end_date.isoformat(), "yes" if current else "no")
        for y, current in list_years(ctx.db, actor)
    ]
    write_table(rows, ("name", "start", "end", "current"), ctx.args.format)
    return EXIT_OK


def cmd_classes_list(ctx: Context) -> int:
    from nk_desktop.services import school

    actor = ctx.actor()
    with ctx.db.read() as session:
        year = school.year_by_name(session, ctx.args.year) if ctx.args.year else school.current_year(session)
        if year is None:
            raise NKError(_("Chưa có năm học nào."))
        year_id = year.id
    rows = [(c.name, c.grade, c.homeroom_username, c.pupils) for c in school.list_classes(ctx.db, actor, year_id)]
    write_table(rows, ("class", "grade", "homeroom_username", "pupils"), ctx.args.format)
    return EXIT_OK


def cmd_audit_verify(ctx: Context) -> int:
    from nk_desktop.services.audit import verify

    actor = ctx.actor()
    report = verify(ctx.db, actor)
    if report.intact:
        print(_("Nhật ký nguyên vẹn: {n} mục.").format(n=report.entries))
        return EXIT_OK
    print(_("Nhật ký bị can thiệp: {reason}").format(reason=report.reason), file=sys.stderr)
    return EXIT_REFUSED


def cmd_import_pupils(ctx: Context) -> int:
    from nk_desktop.exchange import pupils as exchange
    from nk_desktop.services import school

    actor = ctx.actor()
    parsed = exchange.read_pupil_file(ctx.args.file, sheet=ctx.args.sheet)
    with ctx.db.read() as session:
        year_id = school.year_by_name(session, ctx.args.year).id
        class_id = school.class_by_name(session, year_id, ctx.args.class_name).id if ctx.args.class_name else None
    if class_id is None and not parsed.has_class_column:
        raise UsageError(_("Tệp không có cột “Lớp”: hãy ghi lớp nhận danh sách, ví dụ --class 4A."))
    if ctx.args.dry_run:
        plan = exchange.plan_import(ctx.db, actor, parsed, year_id, class_id)
        write_table([(r.row, r.status, r.name, r.class_name, r.reason) for r in plan.rows],
                    ("row", "status", "name", "class", "detail"), ctx.args.format)
    else:
        try:
            plan = exchange.import_pupils(ctx.db, actor, parsed, year_id, class_id)
        except exchange.ImportRefused as refused:
            plan = refused.plan
    if parsed.ignored:
        print(_("Các cột không nhập: {columns}.").format(columns=", ".join(parsed.ignored)), file=sys.stderr)
    if parsed.skipped:
        print(_("Bỏ qua các dòng không có họ tên, ngày sinh hay mã học sinh: {rows}.").format(
            rows=", ".join(map(str, parsed.skipped))), file=sys.stderr)
    if plan.errors:
        if not ctx.args.dry_run:
            for row in plan.errors:
                print(_("Dòng {n}: {reason}").format(n=row.row, reason=row.reason), file=sys.stderr)
        if ctx.args.errors:
            exchange.write_error_copy(parsed.path, plan, ctx.args.errors)
            print(_("Đã lưu tệp báo lỗi: {path}").format(path=ctx.args.errors), file=sys.stderr)
        print(_("Có {n} dòng lỗi; không ghi gì vào dữ liệu ({summary}).").format(
            n=len(plan.errors), summary=plan.summary()), file=sys.stderr)
        return EXIT_REFUSED
    if ctx.args.dry_run:
        print(_("Xem trước, chưa ghi gì: {summary}.").format(summary=plan.summary()), file=sys.stderr)
    else:
        print(_("Đã nhập {name}: {summary}.").format(name=parsed.path.name, summary=plan.summary()))
    return EXIT_OK


def cmd_export_pupils(ctx: Context) -> int:
    from nk_desktop.exchange.pupils import export_pupils
    from nk_desktop.services import school

    if not ctx.args.out.lower().endswith(".xlsx"):
        raise UsageError(_("Tệp xuất phải có đuôi .xlsx."))
    actor = ctx.actor()
    with ctx.db.read() as session:
        year_id = school.year_by_name(session, ctx.args.year).id
        class_id = school.class_by_name(session, year_id, ctx.args.class_name).id if ctx.args.class_name else None
    count = export_pupils(ctx.db, actor, year_id, class_id, ctx.args.out)
    print(_("Đã xuất {n} học sinh ra {path}.").format(n=count, path=ctx.args.out))
    return EXIT_OK


def _marks_year(session, name):
    """The --year named, else the current school year (gradebook commands)."""
    from nk_desktop.services import school

    year = school.year_by_name(session, name) if name else school.current_year(session)
    if year is None:
        raise NKError(_("Chưa có năm học nào."))
    return year


def cmd_export_scores(ctx: Context) -> int:
    from nk_desktop.exchange import scores
    from nk_desktop.services import school

    if not ctx.args.out.lower().endswith(".xlsx"):
        raise UsageError(_("Tệp xuất phải có đuôi .xlsx."))
    actor = ctx.actor()
    with ctx.db.read() as session:
        year = _marks_year(session, ctx.args.year)
        subject = school.subject_by_name(session, ctx.args.subject)
        school_class = school.class_by_name(session, year.id, ctx.args.class_name) if ctx.args.class_name else None
        year_id, year_name, subject_id, subject_name = year.id, year.name, subject.id, subject.name
        where = _("lớp {c}").format(c=school_class.name) if school_class else _("khối {g}").format(g=ctx.args.grade)
    if school_class is not None:
        scores.export_score_sheet(ctx.db, actor, school_class.id, subject_id, ctx.args.milestone, ctx.args.out,
                                  blank=ctx.args.blank)
    else:
        scores.export_grade_score_sheet(ctx.db, actor, year_id, ctx.args.grade, subject_id, ctx.args.milestone,
                                        ctx.args.out, blank=ctx.args.blank)
    print(_("Đã xuất bảng điểm {blank}môn {s}, {where}, {m}, năm học {y} ra {path}.").format(
        blank=_("trống ") if ctx.args.blank else "", s=subject_name, where=where, m=ctx.args.milestone.upper(),
        y=year_name, path=ctx.args.out))
    return EXIT_OK


def cmd_import_scores(ctx: Context) -> int:
    from nk_desktop.exchange import scores
    from nk_desktop.services import school

    if ctx.args.grade is None and (ctx.args.subject or ctx.args.milestone or ctx.args.year):
        raise UsageError(_("--subject, --milestone và --year chỉ dùng cùng --grade (bảng điểm khối tự lập)."))
    if ctx.args.grade is not None and not (ctx.args.subject and ctx.args.milestone):
        raise UsageError(_("Nhập điểm cả khối cần --subject và --milestone."))
    actor = ctx.actor()
    if ctx.args.grade is not None:
        with ctx.db.read() as session:
            year_id = _marks_year(session, ctx.args.year).id
            subject_id = school.subject_by_name(session, ctx.args.subject).id
        report = scores.import_grade_scores(ctx.db, actor, ctx.args.file, year_id, ctx.args.grade, subject_id,
                                            ctx.args.milestone, dry_run=ctx.args.dry_run)
    else:
        report = scores.import_score_sheet(ctx.db, actor, ctx.args.file, dry_run=ctx.args.dry_run)
    for line in report.lines():
        print(line)
    if report.refused:
        print(_("nk-admin: {n} ô bị từ chối; không ghi gì.").format(n=report.refused), file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def cmd_export_traits(ctx: Context) -> int:
    from nk_desktop.exchange import traits
    from nk_desktop.services import school

    if not ctx.args.out.lower().endswith(".xlsx"):
        raise UsageError(_("Tệp xuất phải có đuôi .xlsx."))
    actor = ctx.actor()
    with ctx.db.read() as session:
        year = _marks_year(session, ctx.args.year)
        school_class = school.class_by_name(session, year.id, ctx.args.class_name)
        class_id, class_name, year_name = school_class.id, school_class.name, year.name
    traits.export_traits_sheet(ctx.db, actor, class_id, ctx.args.milestone, ctx.args.out, blank=ctx.args.blank)
    print(_("Đã xuất bảng phẩm chất, năng lực {blank}lớp {c}, {m}, năm học {y} ra {path}.").format(
        blank=_("trống ") if ctx.args.blank else "", c=class_name, m=ctx.args.milestone.upper(), y=year_name,
        path=ctx.args.out))
    return EXIT_OK


def cmd_import_traits(ctx: Context) -> int:
    from nk_desktop.exchange import traits

    report = traits.import_traits_sheet(ctx.db, ctx.actor(), ctx.args.file, dry_run=ctx.args.dry_run)
    for line in report.lines():
        print(line)
    if report.refused:
        print(_("nk-admin: {n} ô bị từ chối; không ghi gì.").format(n=report.refused), file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def cmd_evaluate(ctx: Context) -> int:
    from nk_desktop.services import school
    from nk_desktop.services.results import evaluate_class

    actor = ctx.actor()
    with ctx.db.read() as session:
        year = _marks_year(session, ctx.args.year)
        school_class = school.class_by_name(session, year.id, ctx.args.class_name)
    evaluations = evaluate_class(ctx.db, actor, school_class.id)
    header = ("stt", "full_name", "overall", "overall_label", "reason", "award", "completes")
    rows = [(e.number, e.full_name, e.overall or "", e.overall_label, e.reason, e.award,
             "" if e.completes is None else ("yes" if e.completes else "no")) for e in evaluations]
    if ctx.args.out == "-":
        write_table(rows, header, "csv")
        return EXIT_OK
    with open(ctx.args.out, "w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel reads it as UTF-8
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    missing = sum(1 for e in evaluations if e.overall is None)
    print(_("Đã ghi kết quả {n} học sinh lớp {c} ra {path} ({m} em chưa đủ dữ liệu).").format(
        n=len(evaluations), c=school_class.name, path=ctx.args.out, m=missing))
    return EXIT_OK


def cmd_lock(ctx: Context) -> int:
    return _marks_set_lock(ctx, locked=True)


def cmd_unlock(ctx: Context) -> int:
    return _marks_set_lock(ctx, locked=False)


def _marks_set_lock(ctx: Context, *, locked: bool) -> int:
    """lock / unlock by school, grade or class, optionally one subject and one milestone."""
    from nk_desktop.services import assessment_rules, gradebook, school

    actor = ctx.actor()
    with ctx.db.read() as session:
        year = _marks_year(session, ctx.args.year)
        class_id, where = None, _("toàn trường")
        if ctx.args.class_name:
            school_class = school.class_by_name(session, year.id, ctx.args.class_name)
            class_id, where = school_class.id, _("lớp {c}").format(c=school_class.name)
        elif ctx.args.grade is not None:
            where = _("khối {g}").format(g=ctx.args.grade)
        subject = school.subject_by_name(session, ctx.args.subject) if ctx.args.subject else None
        year_id, year_name = year.id, year.name
    milestone = assessment_rules.parse_milestone(ctx.args.milestone) if ctx.args.milestone else None
    gradebook.set_lock(ctx.db, actor, year_id, locked=locked, grade=ctx.args.grade, class_id=class_id,
                       subject_id=subject.id if subject else None, milestone=milestone, reason=ctx.args.reason or "")
    scope = [where, _("môn {s}").format(s=subject.name) if subject else _("mọi môn"),
             assessment_rules.MILESTONE_NAMES[milestone] if milestone else _("cả năm học")]
    print(_("Đã {what} sổ điểm: {scope}, năm học {y}.").format(
        what=_("khóa") if locked else _("mở khóa"), scope=", ".join(scope), y=year_name))
    return EXIT_OK


def cmd_backup(ctx: Context) -> int:
    """`backup --to DIR [--no-encrypt]` or `backup verify FILE` (passphrase in NK_BACKUP_PASSPHRASE)."""
    from pathlib import Path

    from nk_desktop.services import maintenance

    words = ctx.args.words
    passphrase = os.environ.get("NK_BACKUP_PASSPHRASE") or None
    if words[:1] == ["verify"] and len(words) == 2:
        actor = ctx.actor()
        info = maintenance.inspect_backup(ctx.db, actor, Path(words[1]), passphrase=passphrase)
        print(_("Bản sao lưu tốt: {school}, tạo lúc {at}; {pupils} học sinh, {entries} mục nhật ký.").format(
            school=info.school, at=info.created_text, pupils=info.counts.get("pupil", 0),
            entries=info.counts.get("audit_entry", 0)))
        return EXIT_OK
    if words or not ctx.args.to:
        raise UsageError(_("Dùng: nk-admin backup --to THƯ_MỤC [--no-encrypt] hoặc nk-admin backup verify TỆP"))
    if not ctx.args.no_encrypt and not passphrase:
        raise UsageError(_("Bản sao lưu được mã hóa: đặt cụm mật khẩu trong NK_BACKUP_PASSPHRASE, "
                           "hoặc dùng --no-encrypt nếu thật sự muốn không mã hóa."))
    actor = ctx.actor()
    info = maintenance.backup_database(ctx.db, actor, Path(ctx.args.to),
                                       passphrase=None if ctx.args.no_encrypt else passphrase)
    print(_("Đã sao lưu vào {path} ({n} học sinh{enc}).").format(
        path=info.path, n=info.counts.get("pupil", 0), enc="" if info.encrypted else _(", KHÔNG mã hóa")))
    return EXIT_OK


def cmd_restore(ctx: Context) -> int:
    from pathlib import Path

    from nk_desktop.services import maintenance

    if not ctx.args.yes:
        raise UsageError(_("Khôi phục thay toàn bộ dữ liệu trên máy này: thêm --yes để xác nhận."))
    actor = ctx.actor()
    passphrase = os.environ.get("NK_BACKUP_PASSPHRASE") or None
    info, kept = maintenance.restore_database(ctx.db, actor, Path(ctx.args.file), passphrase=passphrase)
    print(_("Đã khôi phục bản sao lưu lúc {at} ({n} học sinh). Dữ liệu cũ để tại {kept}.").format(
        at=info.created_text, n=info.counts.get("pupil", 0), kept=kept or _("(không có)")))
    return EXIT_OK


def cmd_attendance_export(ctx: Context) -> int:
    """`attendance export --class 4A --month 2025-10 --out F.xlsx [--year 2025-2026]`: the month's roll sheet."""
    import datetime as dt

    from nk_desktop.errors import ValidationError
    from nk_desktop.exchange.attendance import export_month
    from nk_desktop.services import attendance, school

    if not ctx.args.out.lower().endswith(".xlsx"):
        raise UsageError(_("Tệp xuất phải có đuôi .xlsx."))
    try:
        year_no, month_no = attendance.parse_month(ctx.args.month)
    except ValidationError as error:
        raise UsageError(str(error)) from None
    actor = ctx.actor()
    with ctx.db.read() as session:
        # Without --year: the school year the month belongs to (not necessarily the current one).
        year = school.year_by_name(session, ctx.args.year) if ctx.args.year else \
            school.current_year(session, dt.date(year_no, month_no, 1))
        if year is None:
            raise NKError(_("Chưa có năm học nào."))
        school_class = school.class_by_name(session, year.id, ctx.args.class_name)
        class_id, class_name = school_class.id, school_class.name
    export_month(ctx.db, actor, class_id, ctx.args.month, ctx.args.out)
    print(_("Đã xuất sổ điểm danh lớp {c} tháng {m}/{y} ra {path}.").format(
        c=class_name, m=month_no, y=year_no, path=ctx.args.out))
    return EXIT_OK


def cmd_attendance_import(ctx: Context) -> int:
    """`attendance import F.xlsx [--dry-run]`: all days or none; exit 1 when a day is refused."""
    from nk_desktop.exchange.attendance import import_month

    actor = ctx.actor()
    report = import_month(ctx.db, actor, ctx.args.file, dry_run=ctx.args.dry_run)
    for line in report.lines():
        print(line)
    if report.refused_days:
        rows = report.count("error")
        if rows:
            print(_("nk-admin: {r} dòng có ô bị từ chối, {n} ngày bị từ chối; không ghi gì.").format(
                r=rows, n=report.refused_days), file=sys.stderr)
        else:
            print(_("nk-admin: {n} ngày bị từ chối; không ghi gì.").format(n=report.refused_days), file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def cmd_print(ctx: Context) -> int:
    """`print DOC --year Y [--class C | --all-classes] [--milestone M] [--month M | --week D] [--term N] [--pupil ID]
    [--teacher USER] [--request ID] [--paper A4|A3] --out F.pdf|DIR`: lay out a book as PDF and log the print.

    ``--all-classes`` writes one file per class into the folder --out (for so-diem-ca-nhan: one per
    teacher assigned in the year).  Every document is built before anything is written, so a refusal
    (exit 1) leaves no file; each file written is recorded in the print log.
    """
    import uuid
    from pathlib import Path

    from sqlalchemy import or_, select

    from nk_desktop.models.accounts import Account
    from nk_desktop.models.pupils import Pupil
    from nk_desktop.models.school import TeachingAssignment
    from nk_desktop.services import books, school

    args = ctx.args
    kind = {"tong-hop": "tong_hop", "hoc-ba": "hoc_ba", "so-goi-ten-ghi-diem": "so_goi_ten_ghi_diem",
            "so-diem-ca-nhan": "so_diem_ca_nhan", "bien-ban": "bien_ban", "danh-sach-lop": "danh_sach_lop",
            "thong-bao": "thong_bao"}[args.doc]
    if kind == "so_goi_ten_ghi_diem" and args.month:
        kind = "so_goi_ten_thang"  # one month's roll sheets (Điều 12.1)
    if args.all_classes and (args.class_name or args.pupil):
        raise UsageError(_("--all-classes không dùng cùng --class hoặc --pupil."))
    if args.all_classes and kind == "bien_ban":
        raise UsageError(_("Biên bản in theo từng đề nghị: dùng --request ID."))
    if kind in books.NEEDS_CLASS and not (args.class_name or args.all_classes):
        raise UsageError(_("Hãy cho biết --class LỚP hoặc --all-classes."))
    if kind == "hoc_ba" and not (args.class_name or args.pupil or args.all_classes):
        raise UsageError(_("Học bạ: --class LỚP, --pupil MÃ hoặc --all-classes."))
    if kind == "tong_hop" and not args.milestone:
        raise UsageError(_("Bảng tổng hợp cần --milestone (GK1, CK1, GK2 hoặc CN)."))
    if kind in ("so_goi_ten_ghi_diem", "so_diem_ca_nhan") and not (args.term or args.milestone):
        raise UsageError(_("Cần --term 1|2 (hoặc --milestone của học kì)."))
    if kind == "thong_bao" and not (args.month or args.week):
        raise UsageError(_("Thông báo phụ huynh cần --month NĂM-THÁNG hoặc --week NĂM-THÁNG-NGÀY."))
    if args.week and kind != "thong_bao":
        raise UsageError(_("--week chỉ dùng cho thông báo phụ huynh (thong-bao)."))
    if args.week and args.month:
        raise UsageError(_("Chọn --week hoặc --month, không dùng cả hai."))
    week = None
    if args.week:
        import datetime as dt

        try:
            week = dt.date.fromisoformat(args.week)
        except ValueError:
            raise UsageError(_("Ngày “{d}” không hợp lệ (dạng NĂM-THÁNG-NGÀY, ví dụ 2026-10-05).").format(
                d=args.week)) from None
    if kind == "bien_ban" and not args.request:
        raise UsageError(_("Biên bản sửa điểm cần --request ID."))
    from nk_desktop.errors import ValidationError
    from nk_desktop.services import assessment_rules, attendance

    try:
        if args.month:
            attendance.parse_month(args.month)
        if args.milestone:
            assessment_rules.parse_milestone(args.milestone)
    except ValidationError as error:
        raise UsageError(str(error)) from None
    out = Path(args.out)
    if args.all_classes:
        if out.exists() and not out.is_dir():
            raise UsageError(_("Với --all-classes, --out phải là một thư mục."))
    elif out.suffix.lower() != ".pdf":
        raise UsageError(_("Tệp in phải có đuôi .pdf."))
    try:
        request_id = uuid.UUID(args.request) if args.request else None
    except ValueError:
        raise UsageError(_("Mã biên bản “{r}” không hợp lệ.").format(r=args.request)) from None

    actor = ctx.actor()
    with ctx.db.read() as session:
        year = _marks_year(session, args.year)
        class_id = school.class_by_name(session, year.id, args.class_name).id if args.class_name else None
        pupil_id = None
        if args.pupil:
            try:
                pupil_id = uuid.UUID(args.pupil)
            except ValueError:
                found = session.scalars(select(Pupil).where(
                    Pupil.deleted.is_(False), or_(Pupil.moet_code == args.pupil, Pupil.school_code == args.pupil,
                                                  Pupil.personal_id == args.pupil))).all()
                if len(found) != 1:
                    raise NKError(_("Không tìm thấy đúng một học sinh có mã “{p}”.").format(p=args.pupil))
                pupil_id = found[0].id
        staff_ids = [None]
        if args.teacher:
            account = session.scalar(select(Account).where(Account.username == args.teacher,
                                                            Account.deleted.is_(False)))
            if account is None or account.staff_id is None:
                raise NKError(_("Không có giáo viên có tên đăng nhập “{u}”.").format(u=args.teacher))
            staff_ids = [account.staff_id]
        elif kind == "so_diem_ca_nhan" and args.all_classes:
            staff_ids = sorted(set(session.scalars(select(TeachingAssignment.staff_id).where(
                TeachingAssignment.year_id == year.id, TeachingAssignment.deleted.is_(False)))), key=str)
        year_id = year.id

    def request(class_id=None, staff_id=None) -> books.PrintRequest:
        return books.PrintRequest(kind=kind, year_id=year_id, class_id=class_id, milestone=args.milestone,
                                  month=args.month, term=args.term, pupil_id=pupil_id, staff_id=staff_id,
                                  request_id=request_id, paper=args.paper, week=week)

    if kind == "so_diem_ca_nhan":
        requests = [request(class_id, staff_id) for staff_id in staff_ids]
    elif args.all_classes:
        requests = [request(cid) for cid, _name in books.printable_classes(ctx.db, actor, year_id)]
        if not requests:
            raise NKError(_("Không có lớp nào bạn được in trong năm học này."))
    else:
        requests = [request(class_id)]
    documents = [books.render_document(ctx.db, actor, r) for r in requests]  # all built before any file
    targets = [out / d.filename for d in documents] if args.all_classes else [out]
    if args.all_classes:
        out.mkdir(parents=True, exist_ok=True)
    temporaries = []
    try:
        for document, target in zip(documents, targets):
            temporary = target.with_name(target.name + ".tmp")
            temporary.write_bytes(document.pdf)
            temporaries.append(temporary)
        for document in documents:
            books.record_document(ctx.db, actor, document)
        for temporary, target in zip(temporaries, targets):
            temporary.replace(target)
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
    for document, target in zip(documents, targets):
        from nk_desktop.printing.sections import page_count

        print(_("Đã in {title} ({n} trang) ra {path}.").format(title=document.title, n=page_count(document.pdf),
                                                              path=target))
    return EXIT_OK


# --- sync through the shared folder (sync-design; issue 7) ------------------------------

def _share_key(*, ask: bool) -> bytes:
    """The school key: NK_SHARE_KEY, else this PC's keyring, else (joining, at a terminal) typed from the sheet."""
    from nk_desktop.sync import keys

    key = keys.load()
    if key is None and ask and sys.stdin and sys.stdin.isatty():
        key = keys.parse_key(getpass.getpass(_("Khóa của trường (17 nhóm trên phiếu khóa đồng bộ): ")))
    if key is None:
        raise UsageError(_("Thiếu khóa của trường: đặt NK_SHARE_KEY (64 chữ số hex trên phiếu khóa đồng bộ)."))
    return key


def _share(ctx: Context):
    from nk_desktop.sync.share import Share

    path = ctx.args.share
    if not path:
        from nk_desktop.sync.segments import local_value

        with ctx.db.engine.connect() as conn:
            path = local_value(conn, "sync_share")
    if not path:
        raise UsageError(_("Hãy cho biết thư mục chung: --share ĐƯỜNG_DẪN (ví dụ \\\\maychu\\DuLieu\\nk-sync)."))
    return Share(path)


def cmd_share_init(ctx: Context) -> int:
    """`share init --share DIR [--sheet F.pdf]`: the school's sync folder, its key and the first snapshot."""
    import datetime as dt

    from nk_desktop.services.permissions import Action, require
    from nk_desktop.sync import engine, keys, sheet

    actor = ctx.actor()
    with ctx.db.read() as session:
        require(session, actor, Action.SCHOOL_PROFILE_EDIT)
    key = keys.from_environment()
    generated = key is None
    key = key or keys.generate()
    share = _share(ctx)
    engine.init_share(ctx.db, share, key)
    stored = keys.remember(key)
    print(_("Đã khởi tạo thư mục đồng bộ {path}.").format(path=share.root))
    if ctx.args.sheet:
        from nk_desktop.services.school import school_profile

        with ctx.db.read() as session:
            name = school_profile(session).name
        data = sheet.render(sheet.RecoverySheet(name, str(share.root), key, dt.date.today(), actor.display_name))
        with open(ctx.args.sheet, "wb") as handle:
            handle.write(data)
        print(_("Đã ghi phiếu khóa đồng bộ ra {path}: hãy in, đưa Hiệu trưởng cất giữ, rồi xóa tệp.").format(
            path=ctx.args.sheet))
    elif generated:
        print(_("Khóa của trường (ghi lại ngay, cần khi thêm máy): {key}").format(key=keys.format_key(key)))
    if not stored:
        print(_("Máy này không có kho khóa Windows: các lần đồng bộ sau cần NK_SHARE_KEY."), file=sys.stderr)
    return EXIT_OK


def cmd_share_join(ctx: Context) -> int:
    """`--db NEW.db share join --share DIR`: a new PC's database from the newest snapshot and the journals."""
    from nk_desktop.sync import engine, keys, snapshot
    from nk_desktop.sync.share import Share

    if not ctx.args.db:
        raise UsageError(_("Máy mới tham gia cần --db TỆP_DỮ_LIỆU_MỚI."))
    if not ctx.args.share:
        raise UsageError(_("Hãy cho biết thư mục chung: --share ĐƯỜNG_DẪN."))
    key = _share_key(ask=True)
    share = Share(ctx.args.share)
    db = snapshot.join(ctx.args.db, share, key)
    try:
        report = engine.sync(db, share, key, make_snapshot=False)
    finally:
        db.dispose()
    keys.remember(key)
    print(_("Đã tham gia đồng bộ: tệp dữ liệu {path}.").format(path=ctx.args.db))
    for line in report.lines():
        print(line)
    for warning in report.warnings:
        print(f"nk-admin: {warning}", file=sys.stderr)
    return EXIT_OK


def cmd_sync(ctx: Context) -> int:
    """`sync --share DIR` (one full exchange) or `sync status --share DIR`."""
    from nk_desktop.sync import engine, status

    if ctx.args.action == "status":
        share = _share(ctx)
        for line in status.gather(ctx.db, share).lines():
            print(line)
        return EXIT_OK
    share = _share(ctx)
    report = engine.sync(ctx.db, share, _share_key(ask=False))
    for line in report.lines():
        print(line)
    for warning in report.warnings:
        print(f"nk-admin: {warning}", file=sys.stderr)
    return EXIT_OK


def cmd_pupils_duplicates(ctx: Context) -> int:
    """`pupils duplicates --year Y [--format csv]`: pairs of records that look like one child (two PCs entered it)."""
    from nk_desktop.services import duplicates, school

    actor = ctx.actor()
    with ctx.db.read() as session:
        year = school.year_by_name(session, ctx.args.year) if ctx.args.year else school.current_year(session)
        if year is None:
            raise NKError(_("Không có năm học “{y}”.").format(y=ctx.args.year or ""))
        year_id = year.id
    rows = [(p.first.id, p.first.full_name, p.first.date_of_birth.isoformat(), p.first.class_name,
             p.first.personal_id, p.first.moet_code, p.second.id, p.second.full_name,
             p.second.date_of_birth.isoformat(), p.second.class_name, p.second.personal_id, p.second.moet_code,
             ";".join(p.reasons), p.leftovers)
            for p in duplicates.possible_duplicates(ctx.db, actor, year_id)]
    write_table(rows, ("first_id", "first_name", "first_dob", "first_class", "first_personal_id", "first_moet_code",
                       "second_id", "second_name", "second_dob", "second_class", "second_personal_id",
                       "second_moet_code", "reasons", "leftovers"), ctx.args.format)
    return EXIT_OK


def cmd_pupils_merge(ctx: Context) -> int:
    """`pupils merge KEEP DUPLICATE [--dry-run]`: merge the record DUPLICATE into KEEP (ids from `pupils duplicates`)."""
    import uuid

    from nk_desktop.services import duplicates

    actor = ctx.actor()
    try:
        keep, duplicate = uuid.UUID(ctx.args.keep), uuid.UUID(ctx.args.duplicate)
    except ValueError:
        raise UsageError(_("Mã học sinh không hợp lệ (xem cột first_id / second_id của pupils duplicates).")) from None
    if ctx.args.dry_run:
        plan = duplicates.merge_plan(ctx.db, actor, keep, duplicate)
        for line in plan.summary():
            print(line)
        return EXIT_OK if plan.possible else EXIT_REFUSED
    plan = duplicates.merge_pupils(ctx.db, actor, keep, duplicate)
    for line in plan.summary():
        print(line)
    print(_("Đã gộp hồ sơ {b} vào hồ sơ {a}.").format(a=plan.keep.full_name, b=plan.duplicate.full_name))
    return EXIT_OK


def cmd_conflicts_list(ctx: Context) -> int:
    """`conflicts list [--format csv]`: fields with several values kept, waiting for a person to decide."""
    from nk_desktop.sync.conflicts import list_conflicts

    actor = ctx.actor()
    rows = [(c.table, c.row_id, c.field, "yes" if c.official else "no", c.label,
             " | ".join(v.text for v in c.values), " | ".join(v.author for v in c.values),
             c.first_seen.isoformat(timespec="seconds")) for c in list_conflicts(ctx.db, actor)]
    write_table(rows, ("table", "row_id", "field", "official", "record", "values", "authors", "first_seen"),
                ctx.args.format)
    return EXIT_OK


def cmd_quarantine_list(ctx: Context) -> int:
    """`quarantine list [--format csv]`: ops received but refused (never applied), and paused PCs."""
    from nk_desktop.sync.conflicts import list_quarantine

    actor = ctx.actor()
    rows = [(q.kind, q.node, q.seq, q.table, q.row_id, q.author, q.reason, q.first_seen, q.id)
            for q in list_quarantine(ctx.db, actor)]
    write_table(rows, ("kind", "node", "segment", "table", "row_id", "author", "reason", "first_seen", "id"),
                ctx.args.format)
    return EXIT_OK


def cmd_quarantine_decide(ctx: Context) -> int:
    """`quarantine release ID` / `quarantine dismiss ID`: the principal's decision (exit 1 = refused, says why)."""
    from nk_desktop.sync import conflicts

    actor = ctx.actor()
    if ctx.args.quarantine_command == "release":
        label = conflicts.release(ctx.db, actor, ctx.args.entry)
        print(_("Đã ghi thay đổi số {n} ({what}); nó được gửi tới các máy ở lần đồng bộ sau.").format(
            n=ctx.args.entry, what=label))
    else:
        label = conflicts.dismiss(ctx.db, actor, ctx.args.entry)
        print(_("Đã bỏ qua thay đổi số {n} ({what}).").format(n=ctx.args.entry, what=label))
    return EXIT_OK


# --- parser --------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors: exit 2 with a short line
        self.print_usage(sys.stderr)
        print(f"nk-admin: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _list_group(commands, name: str, help_text: str, list_help: str, run):
    """``nk-admin NAME list [--format csv|table]``: the shape of every listing command."""
    group = commands.add_parser(name, help=help_text).add_subparsers(
        dest=f"{name}_command", metavar="ACTION", parser_class=_Parser)
    group.required = True
    listing = group.add_parser("list", help=list_help)
    listing.add_argument("--format", choices=("csv", "table"), default="table")
    listing.set_defaults(run=run)
    return group  # for groups with more actions than list (quarantine release/dismiss)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nk-admin", description=_("Quản trị NK Desktop từ dòng lệnh."))
    parser.add_argument("--version", action="version", version=f"nk-admin {__version__}")
    parser.add_argument("--db", metavar="PATH", help=_("tệp dữ liệu SQLite (mặc định: tệp của máy này)"))
    parser.add_argument("--user", metavar="NAME", help=_("tên đăng nhập; mật khẩu trong NK_PASSWORD"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    init = commands.add_parser("init", help=_("tạo tệp dữ liệu mới cho một trường"))
    init.add_argument("--school", required=True, help=_("tên trường"))
    init.add_argument("--address", help=_("địa chỉ trường"))
    init.add_argument("--place", help=_("địa danh ghi ngày tháng, ví dụ Cầu Đất"))
    init.set_defaults(run=cmd_init)

    demo = commands.add_parser("demo", help=_("tạo trường mẫu để dùng thử"))
    demo.add_argument("--password", required=True, help=_("mật khẩu của mọi tài khoản mẫu"))
    demo.set_defaults(run=cmd_demo)

    users = commands.add_parser("users", help=_("tài khoản")).add_subparsers(
        dest="users_command", metavar="ACTION", parser_class=_Parser)
    users.required = True
    users_list = users.add_parser("list", help=_("liệt kê tài khoản"))
    users_list.add_argument("--format", choices=("csv", "table"), default="table")
    users_list.set_defaults(run=cmd_users_list)
    users_add = users.add_parser("add", help=_("tạo tài khoản"))
    users_add.add_argument("username")
    users_add.add_argument("--name", help=_("họ và tên của cán bộ"))
    users_add.add_argument("--gender", choices=("Nam", "Nữ"))
    users_add.add_argument("--position", help=_("chức vụ"))
    users_add.add_argument("--role", action="append", required=True, help=_("vai trò (lặp lại để giao nhiều)"))
    users_add.add_argument("--class", dest="class_name", help=_("lớp chủ nhiệm năm học hiện tại"))
    users_add.set_defaults(run=cmd_users_add)
    users_reset = users.add_parser("reset-password", help=_("cấp lại mật khẩu tạm"))
    users_reset.add_argument("username")
    users_reset.set_defaults(run=cmd_users_reset_password)

    _list_group(commands, "years", _("năm học"), _("liệt kê năm học"), cmd_years_list)

    classes = commands.add_parser("classes", help=_("lớp học")).add_subparsers(
        dest="classes_command", metavar="ACTION", parser_class=_Parser)
    classes.required = True
    classes_list = classes.add_parser("list", help=_("liệt kê lớp"))
    classes_list.add_argument("--year", help=_("năm học, ví dụ 2025-2026 (mặc định: năm hiện tại)"))
    classes_list.add_argument("--format", choices=("csv", "table"), default="table")
    classes_list.set_defaults(run=cmd_classes_list)

    import_pupils = commands.add_parser("import-pupils", help=_("nhập danh sách học sinh từ tệp Excel (.xlsx)"))
    import_pupils.add_argument("file", metavar="FILE.xlsx")
    import_pupils.add_argument("--year", required=True, help=_("năm học, ví dụ 2025-2026"))
    import_pupils.add_argument("--class", dest="class_name",
                               help=_("lớp nhận danh sách, ví dụ 4A (bỏ trống nếu tệp có cột Lớp)"))
    import_pupils.add_argument("--dry-run", action="store_true", help=_("chỉ xem trước từng dòng, không ghi gì"))
    import_pupils.add_argument("--errors", metavar="OUT.xlsx", help=_("lưu bản sao tệp có thêm cột Lỗi"))
    import_pupils.add_argument("--sheet", help=_("tên trang tính (mặc định: trang đầu tiên có dòng tiêu đề cột)"))
    import_pupils.add_argument("--format", choices=("csv", "table"), default="table")
    import_pupils.set_defaults(run=cmd_import_pupils)

    pupil_commands = commands.add_parser("pupils", help=_("hồ sơ học sinh")).add_subparsers(
        dest="pupils_command", required=True)
    pupils_duplicates = pupil_commands.add_parser(
        "duplicates", help=_("liệt kê các cặp hồ sơ có thể là cùng một học sinh"))
    pupils_duplicates.add_argument("--year", help=_("năm học, ví dụ 2025-2026 (mặc định: năm hiện tại)"))
    pupils_duplicates.add_argument("--format", choices=("csv", "table"), default="table")
    pupils_duplicates.set_defaults(run=cmd_pupils_duplicates)
    pupils_merge = pupil_commands.add_parser("merge", help=_("gộp hồ sơ DUPLICATE vào hồ sơ KEEP"))
    pupils_merge.add_argument("keep", metavar="KEEP")
    pupils_merge.add_argument("duplicate", metavar="DUPLICATE")
    pupils_merge.add_argument("--dry-run", action="store_true", help=_("chỉ cho biết sẽ làm gì, không ghi gì"))
    pupils_merge.set_defaults(run=cmd_pupils_merge)

    export_pupils = commands.add_parser("export-pupils", help=_("xuất danh sách học sinh ra tệp Excel (.xlsx)"))
    export_pupils.add_argument("--year", required=True, help=_("năm học, ví dụ 2025-2026"))
    export_pupils.add_argument("--class", dest="class_name", help=_("một lớp, ví dụ 4A (mặc định: toàn trường)"))
    export_pupils.add_argument("--out", required=True, metavar="FILE.xlsx", help=_("tệp .xlsx sẽ ghi"))
    export_pupils.set_defaults(run=cmd_export_pupils)

    export_scores = commands.add_parser("export-scores", help=_("xuất bảng điểm ra Excel để nhập ở nhà"))
    export_scope = export_scores.add_mutually_exclusive_group(required=True)
    export_scope.add_argument("--class", dest="class_name", help=_("lớp, ví dụ 4A"))
    export_scope.add_argument("--grade", type=int, help=_("cả khối (bảng điểm kiểm tra định kì cho văn thư)"))
    export_scores.add_argument("--subject", required=True, help=_("môn: tên (có hoặc không dấu) hoặc mã, ví dụ Toán"))
    export_scores.add_argument("--milestone", required=True, help=_("thời điểm: GK1, CK1, GK2 hoặc CN"))
    export_scores.add_argument("--out", required=True, metavar="FILE.xlsx", help=_("tệp .xlsx sẽ ghi"))
    export_scores.add_argument("--year", help=_("năm học, ví dụ 2026-2027 (mặc định: năm hiện tại)"))
    export_scores.add_argument("--blank", action="store_true", help=_("bảng trống (không điền giá trị đã nhập)"))
    export_scores.set_defaults(run=cmd_export_scores)

    import_scores = commands.add_parser("import-scores", help=_("nhập lại bảng điểm Excel đã điền"))
    import_scores.add_argument("file", metavar="FILE.xlsx")
    import_scores.add_argument("--dry-run", action="store_true", help=_("chỉ kiểm tra và báo cáo, không ghi gì"))
    import_scores.add_argument("--grade", type=int, help=_("bảng điểm cả khối tự lập (có cột Lớp), ví dụ 4"))
    import_scores.add_argument("--subject", help=_("môn của bảng điểm khối"))
    import_scores.add_argument("--milestone", help=_("thời điểm của bảng điểm khối"))
    import_scores.add_argument("--year", help=_("năm học của bảng điểm khối (mặc định: năm hiện tại)"))
    import_scores.set_defaults(run=cmd_import_scores)

    export_traits = commands.add_parser("export-traits", help=_("xuất bảng phẩm chất, năng lực của lớp ra Excel"))
    export_traits.add_argument("--class", dest="class_name", required=True, help=_("lớp, ví dụ 4A"))
    export_traits.add_argument("--milestone", required=True, help=_("thời điểm: GK1, CK1, GK2 hoặc CN"))
    export_traits.add_argument("--out", required=True, metavar="FILE.xlsx", help=_("tệp .xlsx sẽ ghi"))
    export_traits.add_argument("--year", help=_("năm học, ví dụ 2026-2027 (mặc định: năm hiện tại)"))
    export_traits.add_argument("--blank", action="store_true", help=_("bảng trống (không điền giá trị đã nhập)"))
    export_traits.set_defaults(run=cmd_export_traits)

    import_traits = commands.add_parser("import-traits", help=_("nhập lại bảng phẩm chất, năng lực đã điền"))
    import_traits.add_argument("file", metavar="FILE.xlsx")
    import_traits.add_argument("--dry-run", action="store_true", help=_("chỉ kiểm tra và báo cáo, không ghi gì"))
    import_traits.set_defaults(run=cmd_import_traits)

    evaluate = commands.add_parser("evaluate", help=_("kết quả đánh giá cuối năm của một lớp ra tệp CSV"))
    evaluate.add_argument("--class", dest="class_name", required=True, help=_("lớp, ví dụ 4A"))
    evaluate.add_argument("--out", required=True, metavar="FILE.csv", help=_("tệp CSV sẽ ghi (- : in ra màn hình)"))
    evaluate.add_argument("--year", help=_("năm học, ví dụ 2026-2027 (mặc định: năm hiện tại)"))
    evaluate.set_defaults(run=cmd_evaluate)

    for name, run, what in (("lock", cmd_lock, _("khóa sổ điểm")), ("unlock", cmd_unlock, _("mở khóa sổ điểm"))):
        lock = commands.add_parser(name, help=what)
        lock_scope = lock.add_mutually_exclusive_group(required=True)
        lock_scope.add_argument("--class", dest="class_name", help=_("một lớp, ví dụ 4A"))
        lock_scope.add_argument("--grade", type=int, help=_("một khối, ví dụ 4"))
        lock_scope.add_argument("--school", action="store_true", help=_("toàn trường"))
        lock.add_argument("--subject", help=_("chỉ một môn (mặc định: mọi môn)"))
        lock.add_argument("--milestone", help=_("chỉ một thời điểm GK1, CK1, GK2, CN (mặc định: cả năm)"))
        lock.add_argument("--reason", help=_("lí do"))
        lock.add_argument("--year", help=_("năm học, ví dụ 2026-2027 (mặc định: năm hiện tại)"))
        lock.set_defaults(run=run)

    backup_cmd = commands.add_parser("backup", help=_("sao lưu ra thư mục/USB, hoặc kiểm tra một bản sao lưu"))
    backup_cmd.add_argument("words", nargs="*", metavar="verify FILE", help=_("verify TỆP: kiểm tra bản sao lưu"))
    backup_cmd.add_argument("--to", metavar="DIR", help=_("thư mục đích (ổ USB)"))
    backup_cmd.add_argument("--no-encrypt", action="store_true", help=_("không mã hóa (không khuyến khích)"))
    backup_cmd.set_defaults(run=cmd_backup)
    restore_cmd = commands.add_parser("restore", help=_("khôi phục từ bản sao lưu"))
    restore_cmd.add_argument("file")
    restore_cmd.add_argument("--yes", action="store_true", help=_("xác nhận thay dữ liệu hiện tại"))
    restore_cmd.set_defaults(run=cmd_restore)

    roll = commands.add_parser("attendance", help=_("sổ điểm danh: xuất và nhập bảng tháng Excel")).add_subparsers(
        dest="attendance_command", metavar="ACTION", parser_class=_Parser)
    roll.required = True
    roll_export = roll.add_parser("export", help=_("xuất sổ điểm danh một tháng của một lớp ra Excel (.xlsx)"))
    roll_export.add_argument("--class", dest="class_name", required=True, help=_("lớp, ví dụ 4A"))
    roll_export.add_argument("--month", required=True, help=_("tháng dạng năm-tháng, ví dụ 2025-10"))
    roll_export.add_argument("--out", required=True, metavar="FILE.xlsx", help=_("tệp .xlsx sẽ ghi"))
    roll_export.add_argument("--year", help=_("năm học, ví dụ 2025-2026 (mặc định: năm học của tháng đó)"))
    roll_export.set_defaults(run=cmd_attendance_export)
    roll_import = roll.add_parser("import", help=_("nhập lại sổ điểm danh tháng đã sửa (mọi ngày hoặc không ngày nào)"))
    roll_import.add_argument("file", metavar="FILE.xlsx")
    roll_import.add_argument("--dry-run", action="store_true", help=_("chỉ kiểm tra và báo cáo, không ghi gì"))
    roll_import.set_defaults(run=cmd_attendance_import)

    print_cmd = commands.add_parser("print", help=_("in sổ sách ra tệp PDF (và ghi vào sổ theo dõi in)"))
    print_cmd.add_argument("doc", choices=("tong-hop", "hoc-ba", "so-goi-ten-ghi-diem", "so-diem-ca-nhan", "bien-ban",
                                           "danh-sach-lop", "thong-bao"), metavar="DOC",
                           help="tong-hop, hoc-ba, so-goi-ten-ghi-diem, so-diem-ca-nhan, bien-ban, danh-sach-lop, "
                                "thong-bao")
    print_cmd.add_argument("--year", help=_("năm học, ví dụ 2025-2026 (mặc định: năm học hiện tại)"))
    print_cmd.add_argument("--class", dest="class_name", metavar="CLASS", help=_("lớp, ví dụ 4A"))
    print_cmd.add_argument("--all-classes", action="store_true", help=_("mỗi lớp một tệp vào thư mục --out"))
    print_cmd.add_argument("--milestone", help=_("GK1, CK1, GK2 hoặc CN"))
    print_cmd.add_argument("--month", help=_("tháng, ví dụ 2025-10 (sổ gọi tên tháng; thông báo phụ huynh)"))
    print_cmd.add_argument("--week", metavar="YYYY-MM-DD",
                           help=_("thông báo phụ huynh của một tuần: một ngày bất kì trong tuần (thứ Hai–Chủ nhật)"))
    print_cmd.add_argument("--term", type=int, choices=(1, 2), help=_("học kì"))
    print_cmd.add_argument("--pupil", metavar="ID", help=_("học sinh (mã trong phần mềm, mã định danh hoặc mã học sinh)"))
    print_cmd.add_argument("--teacher", metavar="USER", help=_("sổ điểm cá nhân của giáo viên (tên đăng nhập)"))
    print_cmd.add_argument("--request", metavar="ID", help=_("biên bản sửa điểm (mã đề nghị)"))
    print_cmd.add_argument("--paper", choices=("A4", "A3"), default="A4", help=_("khổ giấy sổ gọi tên và ghi điểm"))
    print_cmd.add_argument("--out", required=True, help=_("tệp .pdf, hoặc thư mục với --all-classes"))
    print_cmd.set_defaults(run=cmd_print)

    share_cmd = commands.add_parser("share", help=_("thư mục đồng bộ chung của trường")).add_subparsers(
        dest="share_command", metavar="ACTION", parser_class=_Parser)
    share_cmd.required = True
    share_init = share_cmd.add_parser("init", help=_("khởi tạo thư mục đồng bộ (máy đầu tiên), in phiếu khóa"))
    share_init.add_argument("--share", required=True, metavar="DIR", help=_("thư mục chung (đường dẫn UNC)"))
    share_init.add_argument("--sheet", metavar="F.pdf", help=_("ghi phiếu khóa đồng bộ ra tệp PDF để in"))
    share_init.set_defaults(run=cmd_share_init)
    share_join = share_cmd.add_parser("join", help=_("máy mới: tạo tệp dữ liệu từ bản chụp và nhật ký"))
    share_join.add_argument("--share", required=True, metavar="DIR", help=_("thư mục chung (đường dẫn UNC)"))
    share_join.set_defaults(run=cmd_share_join)

    sync_cmd = commands.add_parser("sync", help=_("đồng bộ một lượt qua thư mục chung (hoặc: sync status)"))
    sync_cmd.add_argument("action", nargs="?", choices=("status",), help=_("status: tình trạng đồng bộ"))
    sync_cmd.add_argument("--share", metavar="DIR", help=_("thư mục chung (mặc định: thư mục lần trước)"))
    sync_cmd.set_defaults(run=cmd_sync)

    _list_group(commands, "conflicts", _("xung đột dữ liệu giữa các máy"), _("liệt kê ô đang có hai giá trị"),
                cmd_conflicts_list)

    quarantine = _list_group(commands, "quarantine", _("thay đổi nhận được nhưng bị giữ lại"),
                             _("liệt kê thay đổi bị giữ lại và máy tạm dừng"), cmd_quarantine_list)
    for action, decide_help in (("release", _("ghi thay đổi số ID sau khi kiểm tra lại theo khóa sổ hiện nay "
                                              "(Hiệu trưởng)")),
                                ("dismiss", _("bỏ qua thay đổi số ID, dữ liệu giữ nguyên (Hiệu trưởng)"))):
        decide = quarantine.add_parser(action, help=decide_help)
        decide.add_argument("entry", type=int, metavar="ID", help=_("cột id của quarantine list"))
        decide.set_defaults(run=cmd_quarantine_decide)

    audit = commands.add_parser("audit", help=_("nhật ký thay đổi")).add_subparsers(
        dest="audit_command", metavar="ACTION", parser_class=_Parser)
    audit.required = True
    audit.add_parser("verify", help=_("kiểm tra chuỗi băm của nhật ký")).set_defaults(run=cmd_audit_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    ctx = Context(args)
    run: Callable[[Context], int] = args.run
    try:
        return run(ctx)
    except UsageError as error:
        print(f"nk-admin: {error}", file=sys.stderr)
        return EXIT_USAGE
    except NKError as error:
        print(f"nk-admin: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stdout = open(os.devnull, "w", encoding="utf-8")
        return EXIT_OK
    finally:
        ctx.close()


if __name__ == "__main__":
    raise SystemExit(main())
