"""The "Giám sát sổ điểm" tab: completion board, score distributions, anomalies, group targets."""

from nk_desktop.views.review.tab import ReviewTab

__all__ = ["ReviewTab"]
