"""Search replicas: nodes and rebuild requests per node

Two new tables, nothing changed in existing ones: ``search_node`` (each node's index replica as
its search worker reports it) and ``search_rebuild`` (one row per node per rebuild request, with
its progress). Downgrade drops both.

Revision ID: a401c7de70bc
Revises: 3f1d2c9a7b10
Create Date: 2026-12-07 21:12:24.100653

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a401c7de70bc'
down_revision = '3f1d2c9a7b10'
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
    op.create_table('search_rebuild',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('build_seconds', sa.Double(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['app_user.id'], name=op.f('fk_search_rebuild_requested_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_rebuild'))
    )
    with op.batch_alter_table('search_rebuild', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_rebuild_node'), ['node'], unique=False)



def downgrade():
    with op.batch_alter_table('search_rebuild', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_rebuild_node'))

    op.drop_table('search_rebuild')
    op.drop_table('search_node')
