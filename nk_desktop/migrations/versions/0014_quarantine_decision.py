"""quarantine_decision: the principal's release or dismissal of a held-back op, synced to every PC

So a change held back on several PCs leaves every list once the principal decides on one of them
(docs/sync.md "Not done yet" until now: each PC kept listing its own copy).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 10:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quarantine_decision',
    sa.Column('op_id', sa.Uuid(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine_decision'))
    )
    with op.batch_alter_table('quarantine_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantine_decision_op_id'), ['op_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('quarantine_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantine_decision_op_id'))

    op.drop_table('quarantine_decision')
