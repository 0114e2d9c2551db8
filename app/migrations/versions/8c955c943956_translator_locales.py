"""Translator locales: the locales a translator may edit in the catalog editor

One nullable column on app_user (comma-separated locale codes; empty means every locale).

Revision ID: 8c955c943956
Revises: 118bdf59f767
Create Date: 2026-11-27 17:16:32.626400

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c955c943956'
down_revision = '118bdf59f767'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translator_locales', sa.String(length=100), nullable=True))



def downgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('translator_locales')

