"""city exchange ("1+16"): the tables a city store loads district packages into

Revision ID: 0004_city_exchange
Revises: 0001 (re-chained at merge onto the head of main)
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_city_exchange'
down_revision = '0003_screens_data'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('city_indicator',
    sa.Column('indicator_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('value_type', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('theme', sa.String(length=32), nullable=False),
    sa.Column('core', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('indicator_id', name=op.f('pk_city_indicator'))
    )
    op.create_table('city_package',
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False, comment='2026-11 or 2026-W47'),
    sa.Column('period_kind', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False, comment='exclusive'),
    sa.Column('district_name', sa.String(length=32), nullable=False),
    sa.Column('schema_version', sa.String(length=16), nullable=False),
    sa.Column('data_time', sa.DateTime(), nullable=False),
    sa.Column('generated_at', sa.DateTime(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('manifest_sha256', sa.CHAR(length=64), nullable=False, comment='identifies the package imported'),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('district_code', 'period', name=op.f('pk_city_package')),
    comment='one row per exchange package loaded into this city store'
    )
    op.create_table('city_street',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_city_street'))
    )
    op.create_index(op.f('ix_city_street_district_code'), 'city_street', ['district_code'], unique=False)
    op.create_table('city_case_decision',
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('case_no', sa.String(length=40), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('entity_name', sa.String(length=128), nullable=False),
    sa.Column('cause', sa.String(length=17), nullable=False),
    sa.Column('law_article', sa.String(length=128), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('fine_amount', sa.Numeric(precision=16, scale=2), nullable=True, comment='元'),
    sa.Column('confiscation_amount', sa.Numeric(precision=16, scale=2), nullable=True, comment='元'),
    sa.Column('office_name', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['district_code', 'period'], ['city_package.district_code', 'city_package.period'], name=op.f('fk_city_case_decision_district_code_city_package')),
    sa.PrimaryKeyConstraint('district_code', 'period', 'case_no', name=op.f('pk_city_case_decision'))
    )
    op.create_table('city_credit_list',
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('record_id', sa.String(length=32), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('entity_name', sa.String(length=128), nullable=False),
    sa.Column('list', sa.String(length=25), nullable=False),
    sa.Column('reason', sa.String(length=256), nullable=True),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['district_code', 'period'], ['city_package.district_code', 'city_package.period'], name=op.f('fk_city_credit_list_district_code_city_package')),
    sa.PrimaryKeyConstraint('district_code', 'period', 'record_id', name=op.f('pk_city_credit_list'))
    )
    op.create_table('city_indicator_value',
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('indicator_id', sa.String(length=64), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False, comment='6 digits: district; 12: street'),
    sa.Column('value', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['district_code', 'period'], ['city_package.district_code', 'city_package.period'], name=op.f('fk_city_indicator_value_district_code_city_package')),
    sa.PrimaryKeyConstraint('district_code', 'period', 'indicator_id', 'area_code', name=op.f('pk_city_indicator_value'))
    )
    op.create_index(op.f('ix_city_indicator_value_period_indicator_id'), 'city_indicator_value', ['period', 'indicator_id'], unique=False)
    op.create_table('city_inspection_result',
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('inspection_id', sa.String(length=32), nullable=False),
    sa.Column('task_id', sa.String(length=32), nullable=True),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('entity_name', sa.String(length=128), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('result', sa.String(length=18), nullable=False),
    sa.ForeignKeyConstraint(['district_code', 'period'], ['city_package.district_code', 'city_package.period'], name=op.f('fk_city_inspection_result_district_code_city_package')),
    sa.PrimaryKeyConstraint('district_code', 'period', 'inspection_id', name=op.f('pk_city_inspection_result'))
    )
    op.create_table('city_inspection_task',
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('task_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('office_name', sa.String(length=64), nullable=False),
    sa.Column('planned_count', sa.Integer(), nullable=False),
    sa.Column('drawn_on', sa.Date(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['district_code', 'period'], ['city_package.district_code', 'city_package.period'], name=op.f('fk_city_inspection_task_district_code_city_package')),
    sa.PrimaryKeyConstraint('district_code', 'period', 'task_id', name=op.f('pk_city_inspection_task'))
    )


def downgrade() -> None:
    op.drop_table('city_inspection_task')
    op.drop_table('city_inspection_result')
    op.drop_index(op.f('ix_city_indicator_value_period_indicator_id'), table_name='city_indicator_value')
    op.drop_table('city_indicator_value')
    op.drop_table('city_credit_list')
    op.drop_table('city_case_decision')
    op.drop_index(op.f('ix_city_street_district_code'), table_name='city_street')
    op.drop_table('city_street')
    op.drop_table('city_package')
    op.drop_table('city_indicator')
