"""Search nodes: each node's index replica as its search worker reports it

One new table, ``search_node``; nothing changed in existing ones (rebuild requests are rows of
the ``job`` table, one per node). Downgrade drops it.

Revision ID: a401c7de70bc
Revises: 5b7e2c41d9a3
Create Date: 2026-12-07 21:12:24.100653

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a401c7de70bc'
down_revision = '5b7e2c41d9a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_node',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('generation', sa.String(length=100), nullable=True),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_search_node'))
    )


def downgrade():
    op.drop_table('search_node')
