"""The "Quản trị" tab: staff and accounts, school years and calendar, classes, assignments, audit log."""

from nk_desktop.views.admin.messages import Messages
from nk_desktop.views.admin.tab import PAGES, AdminTab, has_admin_pages, visible_pages

__all__ = ["AdminTab", "Messages", "PAGES", "has_admin_pages", "visible_pages"]
