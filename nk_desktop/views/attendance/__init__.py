"""The "Điểm danh" tab: roll call, the month's roll book and its paper trail, alerts, parent notices."""

from nk_desktop.views.attendance.tab import AttendanceTab

__all__ = ["AttendanceTab"]
