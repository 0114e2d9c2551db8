"""Work queue assignments: procedures of an agency or a sector given to a reviewer

One new table, nothing changed in existing ones. One row per reviewer, scope ("agency" or
"sector") and value (the agency or sector text of the procedures' current version); named
constraints and index (naming convention of app/extensions.py). Downgrade drops the table.

Revision ID: 67fbecc05f0c
Revises: 8c955c943956
Create Date: 2026-11-27 18:17:04.346319

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '67fbecc05f0c'
down_revision = '8c955c943956'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('queue_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('value', sa.String(length=300), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("scope IN ('agency', 'sector')", name=op.f('ck_queue_assignment_scope')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['app_user.id'], name=op.f('fk_queue_assignment_assigned_by_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_queue_assignment_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_assignment')),
    sa.UniqueConstraint('user_id', 'scope', 'value', name=op.f('uq_queue_assignment_user_id'))
    )
    with op.batch_alter_table('queue_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_queue_assignment_scope', ['scope', 'value'], unique=False)


def downgrade():
    with op.batch_alter_table('queue_assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_assignment_scope')

    op.drop_table('queue_assignment')
