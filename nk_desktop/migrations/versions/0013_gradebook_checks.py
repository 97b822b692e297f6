"""gradebook_check: the vice-principal's monthly check of a class's gradebook (regulation 39 Điều 4.1)

A synced table (id, timestamps, tombstone like every synced record): one live row per class × month
with the date of the check, who checked and the remark printed at the end of the class's book.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 10:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gradebook_check',
    sa.Column('year_id', sa.Uuid(), nullable=False),
    sa.Column('class_id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('checker_id', sa.Uuid(), nullable=True),
    sa.Column('checker_name', sa.String(length=200), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_gradebook_check_class_id_school_class')),
    sa.ForeignKeyConstraint(['year_id'], ['school_year.id'], name=op.f('fk_gradebook_check_year_id_school_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_check'))
    )
    with op.batch_alter_table('gradebook_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gradebook_check_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gradebook_check_year_id'), ['year_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('gradebook_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gradebook_check_year_id'))
        batch_op.drop_index(batch_op.f('ix_gradebook_check_class_id'))

    op.drop_table('gradebook_check')
