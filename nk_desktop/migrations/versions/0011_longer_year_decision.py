"""year_result.decision wide enough for every decision: "hoan_thanh_tieu_hoc" has 19 characters

SQLite never enforced the old 16, so only PostgreSQL refused the principal's grade-5 decision
(found by tests/rules on the PostgreSQL run).  The column grows to 32.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 09:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No foreign key points at year_result, so SQLite's copy of the table (its way to change a type) is safe.
    with op.batch_alter_table('year_result', schema=None) as batch_op:
        batch_op.alter_column('decision', existing_type=sa.String(length=16), type_=sa.String(length=32),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('year_result', schema=None) as batch_op:
        batch_op.alter_column('decision', existing_type=sa.String(length=32), type_=sa.String(length=16),
                              existing_nullable=False)
