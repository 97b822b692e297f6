"""pupil_not_duplicate: pairs of pupil records a person found to be two different children

A synced table (id, timestamps, tombstone like every synced record), so a decision made on one PC
stops the other PCs listing the pair as a possible duplicate (services/duplicates.py, sync-design
§4.3 "master data").  The pair is stored ordered: first_id < second_id.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 09:55:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pupil_not_duplicate',
    sa.Column('first_id', sa.Uuid(), nullable=False),
    sa.Column('second_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['first_id'], ['pupil.id'], name=op.f('fk_pupil_not_duplicate_first_id_pupil')),
    sa.ForeignKeyConstraint(['second_id'], ['pupil.id'], name=op.f('fk_pupil_not_duplicate_second_id_pupil')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupil_not_duplicate'))
    )
    with op.batch_alter_table('pupil_not_duplicate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupil_not_duplicate_first_id'), ['first_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pupil_not_duplicate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pupil_not_duplicate_first_id'))

    op.drop_table('pupil_not_duplicate')
