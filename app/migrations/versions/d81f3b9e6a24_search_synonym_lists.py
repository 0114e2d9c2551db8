"""Search synonym lists: the entries admins maintain per language, and their revision counter

Two new tables; nothing changed in existing ones. ``search_synonym`` holds one row per entry
(language, position, the entry as a line of the list format); ``search_synonym_revision`` one
row raised by every change. No revision row is written here: until the lists are stored (by
``flask bootstrap``, the admin page or an import) the starter set shipped with the app applies.
Downgrade drops both tables.

Revision ID: d81f3b9e6a24
Revises: d81f3a5c2e64
Create Date: 2026-12-07 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd81f3b9e6a24'
down_revision = 'd81f3a5c2e64'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_synonym',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonym')),
    sa.UniqueConstraint('lang', 'position', name='uq_search_synonym_lang_position')
    )
    op.create_table('search_synonym_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonym_revision'))
    )


def downgrade():
    op.drop_table('search_synonym_revision')
    op.drop_table('search_synonym')
