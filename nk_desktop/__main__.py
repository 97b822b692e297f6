"""``python -m nk_desktop``: start the desktop application."""

from nk_desktop.app import main

raise SystemExit(main())
