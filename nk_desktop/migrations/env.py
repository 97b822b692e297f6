"""Alembic environment: always run programmatically by ``nk_desktop.db`` with a connection."""

from alembic import context

from nk_desktop.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; Alembic copies the table instead
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
