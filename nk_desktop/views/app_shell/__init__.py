"""The application's shell: login, password change, the main window and its status bar."""

from nk_desktop.views.app_shell.change_password import ChangePasswordDialog
from nk_desktop.views.app_shell.info import ShellInfo, load_shell_info
from nk_desktop.views.app_shell.login import LoginDialog
from nk_desktop.views.app_shell.main_window import MainWindow
from nk_desktop.views.app_shell.session import SessionFlow

__all__ = ["ChangePasswordDialog", "LoginDialog", "MainWindow", "SessionFlow", "ShellInfo", "load_shell_info"]
