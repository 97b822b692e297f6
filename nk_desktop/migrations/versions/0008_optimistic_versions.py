"""optimistic versions on the official records (PostgreSQL mode: a stale save is refused)

subject_result, trait_result, year_result, attendance_mark get ``version`` (existing rows: 1),
mapped as SQLAlchemy's ``version_id_col``.  Adding a column with a constant default needs no
table copy on SQLite (batch mode alters in place).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 05:38:23.973894
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attendance_mark', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('subject_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('trait_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('year_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('year_result', schema=None) as batch_op:
        batch_op.drop_column('version')

    with op.batch_alter_table('trait_result', schema=None) as batch_op:
        batch_op.drop_column('version')

    with op.batch_alter_table('subject_result', schema=None) as batch_op:
        batch_op.drop_column('version')

    with op.batch_alter_table('attendance_mark', schema=None) as batch_op:
        batch_op.drop_column('version')

