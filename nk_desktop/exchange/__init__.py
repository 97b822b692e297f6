"""Excel import and export (openpyxl, no Qt)."""
