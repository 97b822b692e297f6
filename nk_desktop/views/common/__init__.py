"""Helpers every tab shares: the message channel, background operations, small widgets."""

from nk_desktop.views.common.background import BackgroundOperation, Cancelled
from nk_desktop.views.common.messages import confirm, error_text, show_error, show_info
from nk_desktop.views.common.widgets import ElidedLabel

__all__ = ["BackgroundOperation", "Cancelled", "ElidedLabel", "confirm", "error_text", "show_error", "show_info"]
