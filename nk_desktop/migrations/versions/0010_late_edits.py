"""sync_late_edit: marks received into a book locked here while their writer had not seen the lock

One row per applied op (subject_result, trait_result) that wrote into cells covered by a lock in
force on this PC when it arrived, its writer not having seen that lock (sync-design §4.3, "milestone
locks": flagged "edit after lock"); the principal keeps or reverts it.  Local bookkeeping like
sync_quarantine: never synced; empty in the PostgreSQL mode (sync is off there).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 08:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_late_edit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('op_id', sa.Uuid(), nullable=False),
    sa.Column('tbl', sa.String(length=64), nullable=False),
    sa.Column('row', sa.Uuid(), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('lock_id', sa.Uuid(), nullable=False),
    sa.Column('node', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('reviewed_by', sa.Uuid(), nullable=True),
    sa.Column('reviewed_by_name', sa.String(length=200), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_late_edit')),
    sa.UniqueConstraint('op_id', name=op.f('uq_sync_late_edit_op_id'))
    )
    with op.batch_alter_table('sync_late_edit', schema=None) as batch_op:
        batch_op.create_index('ix_sync_late_edit_tbl_row', ['tbl', 'row'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sync_late_edit', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_late_edit_tbl_row')

    op.drop_table('sync_late_edit')
