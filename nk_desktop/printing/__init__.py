"""PDF layouts with reportlab: plain data in, PDF bytes out (no Qt)."""
