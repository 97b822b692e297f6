"""Marking user-visible text for translation.

The source language of the application is Vietnamese.  Every string a person
reads is wrapped in ``_()`` so that it can be extracted with standard gettext
tools later; today ``_`` returns the string unchanged.  Services and printing
must produce messages without Qt, so Qt's ``tr()`` is not used there.
"""


def _(message: str) -> str:
    """Return the translation of *message* (the Vietnamese source for now)."""
    return message
