"""Session version per account and the login attempts that throttle sign-in

``app_user.session_version`` is embedded in the session and the remember cookie; raising it
(sign-in, sign-out, password change or reset) ends every other session of the account.
``login_attempt`` is shared by every worker: failed sign-ins per account and per address.

Revision ID: 5e2b7c1d9a40
Revises: 3f1d2c9a7b10
Create Date: 2026-12-07 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2b7c1d9a40'
down_revision = '3f1d2c9a7b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
    op.create_table(
        'login_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('username', sa.String(length=80), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('succeeded', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_attempt_username_at', 'login_attempt', ['username', 'at'])
    op.create_index('ix_login_attempt_address_at', 'login_attempt', ['address', 'at'])


def downgrade():
    op.drop_index('ix_login_attempt_address_at', table_name='login_attempt')
    op.drop_index('ix_login_attempt_username_at', table_name='login_attempt')
    op.drop_table('login_attempt')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
