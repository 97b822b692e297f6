"""Qt widgets, one sub-package per tab."""
