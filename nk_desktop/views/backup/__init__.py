"""Backup to a USB drive and restore, from Tệp → Sao lưu / Khôi phục."""

from nk_desktop.views.backup.dialogs import BackupDialog, RestoreDialog, removable_folders

__all__ = ["BackupDialog", "RestoreDialog", "removable_folders"]
