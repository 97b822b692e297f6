"""SQLAlchemy tables, one module per domain.

Importing this package imports every model module so that ``Base.metadata``
knows every table (Alembic and the test fixtures rely on it).
"""

from nk_desktop.models.base import Base, Synced  # noqa: F401
from nk_desktop.models import journal, school, staff, accounts, pupils, gradebook, attendance, targets, prints  # noqa: F401
from nk_desktop.models import decisions  # noqa: F401,E402
from nk_desktop.models import sync  # noqa: F401,E402  (sync bookkeeping, local to each PC)
