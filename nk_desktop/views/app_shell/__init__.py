"""The application's shell: login, password change, the main window and its status bar.

The names are looked up on first use (PEP 562 ``__getattr__``) rather than imported here:
``app.py`` shows the login dialog before the database layer, which the main window's modules
import, is loaded (start-up time, issue 2).
"""

import importlib

_MODULE_OF = {
    "ChangePasswordDialog": "change_password",
    "DatabaseOpening": "opening",
    "LoginDialog": "login",
    "MainWindow": "main_window",
    "SessionFlow": "session",
    "ShellInfo": "info",
    "load_shell_info": "info",
}


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = sorted(_MODULE_OF)
