"""club membership dates and the closing date of a club

club_member gets start_date / end_date (a member from start_date, no longer from end_date, as an
enrolment), club gets closed_on (the first day without sessions).  Nullable: rows made before
this revision keep them empty and services/clubs.py reads their dates as before (the day the
record was made, or the first session on the club's list; a leaving or closing from the
tombstone's last change).  Adding nullable columns needs no table copy on SQLite; downgrading
drops the dates in place too.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 06:30:08.112570
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('club', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))

    with op.batch_alter_table('club_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('end_date', sa.Date(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place (SQLite 3.35+): copying the table would drop ``club``, which
    # the foreign keys of roll_call and club_member refuse once a club has members or sessions.
    with op.batch_alter_table('club_member', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('end_date')
        batch_op.drop_column('start_date')

    with op.batch_alter_table('club', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('closed_on')
