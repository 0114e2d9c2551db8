"""Catalog list entries: one narrow, indexed row per procedure for the catalog list

Two new tables: ``catalog_entry`` (the list's columns of each procedure's shown version, with an
index per filter and sort column, each followed by the code) filled here from the existing
procedures, and ``catalog_change`` (one row, raised by every transaction that changes entries).
Nothing changed in existing tables. Downgrade drops both.

Revision ID: 5b7e2c41d9a3
Revises: c4e8f2a61d37
Create Date: 2026-12-07 21:30:00.000000

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2c41d9a3'
down_revision = 'c4e8f2a61d37'
branch_labels = None
depends_on = None

LEVELS = ("central", "province", "district", "commune")
INDEXED = ("status", "agency", "sector", "kind", "online_level", "title", "status_changed_at")


def _fold(text):
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def upgrade():
    entry = op.create_table('catalog_entry',
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('title_folded', sa.String(length=500), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('agency', sa.String(length=300), nullable=False),
    sa.Column('sector', sa.String(length=300), nullable=False),
    sa.Column('online_level', sa.String(length=10), nullable=True),
    sa.Column('level_bits', sa.Integer(), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_catalog_entry_procedure_id_procedure'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['procedure_version.id'], name=op.f('fk_catalog_entry_version_id_procedure_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('procedure_id', name=op.f('pk_catalog_entry')),
    sa.UniqueConstraint('code', name=op.f('uq_catalog_entry_code'))
    )
    counter = op.create_table('catalog_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_change'))
    )
    op.bulk_insert(counter, [{'id': 1, 'seq': 0}])

    procedure = sa.table('procedure', sa.column('id'), sa.column('code'), sa.column('status'),
                         sa.column('current_version_id'), sa.column('pending_version_id'),
                         sa.column('status_changed_at', sa.DateTime))
    version = sa.table('procedure_version', sa.column('id'), sa.column('title'), sa.column('lang'),
                       sa.column('kind'), sa.column('agency'), sa.column('sector'), sa.column('online_level'),
                       sa.column('levels', sa.JSON))
    bind = op.get_bind()
    result = bind.execute(
        sa.select(procedure.c.id, procedure.c.code, procedure.c.status, procedure.c.pending_version_id,
                  procedure.c.status_changed_at, version.c.id.label('vid'), version.c.title, version.c.lang,
                  version.c.kind, version.c.agency, version.c.sector, version.c.online_level, version.c.levels)
        .select_from(procedure.join(version, version.c.id == procedure.c.current_version_id))
        .execution_options(stream_results=True, yield_per=2000))
    for rows in result.partitions(2000):
        op.bulk_insert(entry, [{
            'procedure_id': row.id, 'version_id': row.vid, 'code': row.code, 'status': row.status,
            'pending': row.pending_version_id is not None, 'title': row.title,
            'title_folded': _fold(row.title)[:500], 'lang': row.lang, 'kind': row.kind,
            'agency': row.agency, 'sector': row.sector, 'online_level': row.online_level,
            'level_bits': sum(1 << LEVELS.index(level) for level in set(row.levels or ()) if level in LEVELS),
            'status_changed_at': row.status_changed_at,
        } for row in rows])
    # Indexes after the rows: faster than keeping them up to date row by row.
    for column in INDEXED:
        op.create_index(f'ix_catalog_entry_{column}_code', 'catalog_entry', [column, 'code'], unique=False)
    # The list walks the codes in order and tests these columns: all in the index, no row reads.
    op.create_index('ix_catalog_entry_code_cover', 'catalog_entry',
                    ['code', 'status', 'level_bits', 'kind', 'online_level'], unique=False)
    if bind.dialect.name == 'postgresql':
        op.execute('ANALYZE catalog_entry')  # statistics for the planner before the first list


def downgrade():
    op.drop_table('catalog_change')
    op.drop_table('catalog_entry')
