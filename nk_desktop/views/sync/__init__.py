"""The sync screens (issue 7): status in the status bar, "Đồng bộ ngay", the join wizard, the conflict
queue and the quarantine list.  ``install(window)`` adds the "Đồng bộ" menu and the status-bar widget;
the heavy modules (engine, importer) are imported only when first used, so start-up stays quick."""

from nk_desktop.views.sync.menu import SyncUi, install

__all__ = ["SyncUi", "install"]
