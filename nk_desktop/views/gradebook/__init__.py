"""The "Sổ điểm" tab: entering levels, scores and comments like in Excel; year-end results; corrections."""

from nk_desktop.views.gradebook.tab import GradebookTab

__all__ = ["GradebookTab"]
