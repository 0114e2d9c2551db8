"""Review change counter: one row raised by every transaction that changes review marks

One new table with one row (id 1, seq 0); nothing changed in existing ones. Readers that derive
something from all marks (the review state facet of search) cache it by this number. Downgrade
drops the table.

Revision ID: 3f1d2c9a7b10
Revises: 67fbecc05f0c
Create Date: 2026-11-27 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1d2c9a7b10'
down_revision = '67fbecc05f0c'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('review_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_change'))
    )
    op.bulk_insert(table, [{'id': 1, 'seq': 0}])


def downgrade():
    op.drop_table('review_change')
