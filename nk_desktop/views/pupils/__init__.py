"""The "Học sinh" tab: class lists by date, the pupil record, transfers and class changes."""

from nk_desktop.views.pupils.tab import PupilsTab

__all__ = ["PupilsTab"]
