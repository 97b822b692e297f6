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


# --- parser --------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors: exit 2 with a short line
        self.print_usage(sys.stderr)
        print(f"nk-admin: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


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

    years = commands.add_parser("years", help=_("năm học")).add_subparsers(
        dest="years_command", metavar="ACTION", parser_class=_Parser)
    years.required = True
    years_list = years.add_parser("list", help=_("liệt kê năm học"))
    years_list.add_argument("--format", choices=("csv", "table"), default="table")
    years_list.set_defaults(run=cmd_years_list)

    classes = commands.add_parser("classes", help=_("lớp học")).add_subparsers(
        dest="classes_command", metavar="ACTION", parser_class=_Parser)
    classes.required = True
    classes_list = classes.add_parser("list", help=_("liệt kê lớp"))
    classes_list.add_argument("--year", help=_("năm học, ví dụ 2025-2026 (mặc định: năm hiện tại)"))
    classes_list.add_argument("--format", choices=("csv", "table"), default="table")
    classes_list.set_defaults(run=cmd_classes_list)

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
