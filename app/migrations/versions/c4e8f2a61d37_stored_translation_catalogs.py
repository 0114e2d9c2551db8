"""Stored translation catalogs: the editor's saves as revisions in the database

Revision ID: c4e8f2a61d37
Revises: a7c31e5d9b20
Create Date: 2026-12-07 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e8f2a61d37'
down_revision = 'a7c31e5d9b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'translation_catalog',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=20), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_translation_catalog')),
        sa.UniqueConstraint('locale', 'revision', name='uq_translation_catalog_locale_revision'),
    )


def downgrade():
    op.drop_table('translation_catalog')
