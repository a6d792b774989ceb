"""initial schema: theme libraries and operational tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_meta')),
    comment='store facts: generator scale and seed, data version of the read layer'
    )
    op.create_table('street',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=15), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False, comment='GeoJSON geometry, WGS-84'),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('approximate', sa.Boolean(), server_default=sa.true(), nullable=False, comment='true while the polygon is the Voronoi approximation'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_street'))
    )
    op.create_table('warning_rule',
    sa.Column('rule_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('theme', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('condition', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.PrimaryKeyConstraint('rule_id', name=op.f('pk_warning_rule'))
    )
    op.create_table('entity',
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('entity_type', sa.String(length=11), nullable=False),
    sa.Column('industry_code', sa.String(length=2), nullable=False, comment='GB/T 4754 division'),
    sa.Column('registered_capital', sa.Numeric(precision=16, scale=2), nullable=True, comment='万元; null for individuals'),
    sa.Column('established_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.Column('status_changed_on', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=256), nullable=False),
    sa.Column('street_code', sa.String(length=12), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('legal_rep_name', sa.String(length=64), nullable=True, comment='personal data'),
    sa.Column('legal_rep_phone', sa.String(length=32), nullable=True, comment='personal data'),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_entity_street_code_street')),
    sa.PrimaryKeyConstraint('uscc', name=op.f('pk_entity'))
    )
    with op.batch_alter_table('entity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entity_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_entity_established_on'), ['established_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_entity_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_entity_status_changed_on'), ['status_changed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_entity_status_entity_type'), ['status', 'entity_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_entity_street_code_status'), ['street_code', 'status'], unique=False)

    op.create_table('office',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('street_code', sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_office_street_code_street')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_office'))
    )
    op.create_table('ad_hit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=True),
    sa.Column('detected_at', sa.DateTime(), nullable=False),
    sa.Column('media', sa.String(length=32), nullable=False),
    sa.Column('risk_level', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_ad_hit_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ad_hit'))
    )
    with op.batch_alter_table('ad_hit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ad_hit_detected_at'), ['detected_at'], unique=False)

    op.create_table('case_file',
    sa.Column('case_no', sa.String(length=40), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('office_code', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=17), nullable=False),
    sa.Column('cause', sa.String(length=17), nullable=False),
    sa.Column('law_article', sa.String(length=128), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('stage', sa.String(length=13), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('fine_amount', sa.Numeric(precision=16, scale=2), nullable=True, comment='元'),
    sa.Column('confiscation_amount', sa.Numeric(precision=16, scale=2), nullable=True, comment='元'),
    sa.Column('transferred_to_police', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_case_file_office_code_office')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_case_file_uscc_entity')),
    sa.PrimaryKeyConstraint('case_no', name=op.f('pk_case_file'))
    )
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_file_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_decided_on'), ['decided_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_opened_on'), ['opened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_uscc'), ['uscc'], unique=False)

    op.create_table('complaint',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('category', sa.String(length=17), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=True),
    sa.Column('street_code', sa.String(length=12), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('office_code', sa.String(length=16), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('complainant_name', sa.String(length=64), nullable=True, comment='personal data'),
    sa.Column('complainant_phone', sa.String(length=32), nullable=True, comment='personal data'),
    sa.Column('status', sa.String(length=11), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('amount_recovered', sa.Numeric(precision=16, scale=2), nullable=True, comment='元'),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_complaint_office_code_office')),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_complaint_street_code_street')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_complaint_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_street_code_received_at'), ['street_code', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_uscc'), ['uscc'], unique=False)

    op.create_table('credit_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('list', sa.String(length=25), nullable=False),
    sa.Column('reason', sa.String(length=256), nullable=True),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_credit_list_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_list'))
    )
    with op.batch_alter_table('credit_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_list_list_removed_on'), ['list', 'removed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_list_uscc'), ['uscc'], unique=False)

    op.create_table('device',
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=19), nullable=False),
    sa.Column('venue_category', sa.String(length=16), nullable=True),
    sa.Column('uscc', sa.CHAR(length=18), nullable=True),
    sa.Column('street_code', sa.String(length=12), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('installed_on', sa.Date(), nullable=False),
    sa.Column('stream_url', sa.String(length=256), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_device_street_code_street')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_device_uscc_entity')),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_device'))
    )
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_kind_status'), ['kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_uscc'), ['uscc'], unique=False)

    op.create_table('entity_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('field', sa.String(length=18), nullable=False),
    sa.Column('old_value', sa.String(length=256), nullable=True),
    sa.Column('new_value', sa.String(length=256), nullable=True),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_entity_change_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity_change'))
    )
    with op.batch_alter_table('entity_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entity_change_changed_on'), ['changed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_entity_change_uscc'), ['uscc'], unique=False)

    op.create_table('entity_honor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('kind', sa.String(length=15), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_entity_honor_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity_honor'))
    )
    with op.batch_alter_table('entity_honor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entity_honor_uscc'), ['uscc'], unique=False)

    op.create_table('equipment',
    sa.Column('equipment_code', sa.String(length=32), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('kind', sa.String(length=17), nullable=False),
    sa.Column('installed_on', sa.Date(), nullable=False),
    sa.Column('street_code', sa.String(length=12), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('next_inspection_due', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_equipment_street_code_street')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_equipment_uscc_entity')),
    sa.PrimaryKeyConstraint('equipment_code', name=op.f('pk_equipment'))
    )
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_kind_status'), ['kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_street_code'), ['street_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_uscc'), ['uscc'], unique=False)

    op.create_table('food_sampling',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('sampled_on', sa.Date(), nullable=False),
    sa.Column('food_category', sa.String(length=32), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('hazard', sa.String(length=64), nullable=True),
    sa.Column('followed_up_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_food_sampling_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_food_sampling'))
    )
    with op.batch_alter_table('food_sampling', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_food_sampling_sampled_on'), ['sampled_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_food_sampling_uscc'), ['uscc'], unique=False)

    op.create_table('incident',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=19), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.Column('street_code', sa.String(length=12), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('uscc', sa.CHAR(length=18), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_incident_street_code_street')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_incident_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_status'), ['status'], unique=False)

    op.create_table('inspection_task',
    sa.Column('task_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('office_code', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=13), nullable=False),
    sa.Column('planned_count', sa.Integer(), nullable=False),
    sa.Column('drawn_on', sa.Date(), nullable=True),
    sa.Column('seed', sa.String(length=64), nullable=True, comment='published seed of the random draw'),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_inspection_task_office_code_office')),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_inspection_task'))
    )
    op.create_table('ip_right',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_ip_right_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_right'))
    )
    with op.batch_alter_table('ip_right', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_right_registered_on'), ['registered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_right_uscc'), ['uscc'], unique=False)

    op.create_table('licence',
    sa.Column('licence_no', sa.String(length=32), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('kind', sa.String(length=18), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_licence_uscc_entity')),
    sa.PrimaryKeyConstraint('licence_no', name=op.f('pk_licence'))
    )
    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_licence_kind_status'), ['kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_licence_uscc'), ['uscc'], unique=False)

    op.create_table('online_store',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('platform', sa.String(length=9), nullable=False),
    sa.Column('store_name', sa.String(length=128), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_online_store_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_online_store'))
    )
    with op.batch_alter_table('online_store', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_online_store_uscc'), ['uscc'], unique=False)

    op.create_table('resource',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('office_code', sa.String(length=16), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_resource_office_code_office')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource'))
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('office_code', sa.String(length=16), nullable=False),
    sa.Column('role', sa.String(length=11), nullable=False),
    sa.Column('certified', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_staff_office_code_office')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff'))
    )
    op.create_table('warning',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('rule_id', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=True),
    sa.Column('street_code', sa.String(length=12), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('title', sa.String(length=256), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('office_code', sa.String(length=16), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_warning_office_code_office')),
    sa.ForeignKeyConstraint(['rule_id'], ['warning_rule.rule_id'], name=op.f('fk_warning_rule_id_warning_rule')),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_warning_street_code_street')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_warning_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning'))
    )
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_raised_at'), ['raised_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_status_level'), ['status', 'level'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_uscc'), ['uscc'], unique=False)

    op.create_table('case_stage_event',
    sa.Column('case_no', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.String(length=13), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_no'], ['case_file.case_no'], name=op.f('fk_case_stage_event_case_no_case_file')),
    sa.PrimaryKeyConstraint('case_no', 'stage', name=op.f('pk_case_stage_event'))
    )
    op.create_table('device_alarm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('pushed_at', sa.DateTime(), nullable=True),
    sa.Column('rectified_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['device.device_id'], name=op.f('fk_device_alarm_device_id_device')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_alarm'))
    )
    with op.batch_alter_table('device_alarm', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_alarm_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_alarm_device_id'), ['device_id'], unique=False)

    op.create_table('device_reading',
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['device.device_id'], name=op.f('fk_device_reading_device_id_device')),
    sa.PrimaryKeyConstraint('device_id', 'at', 'metric', name=op.f('pk_device_reading'))
    )
    with op.batch_alter_table('device_reading', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_reading_at'), ['at'], unique=False)

    op.create_table('dispatch',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('incident_id', sa.String(length=32), nullable=False),
    sa.Column('resource_id', sa.String(length=32), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(), nullable=False),
    sa.Column('arrived_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('dispatched_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_dispatch_incident_id_incident')),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_dispatch_resource_id_resource')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch'))
    )
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_incident_id'), ['incident_id'], unique=False)

    op.create_table('equipment_inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_code', sa.String(length=32), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['equipment_code'], ['equipment.equipment_code'], name=op.f('fk_equipment_inspection_equipment_code_equipment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_inspection'))
    )
    with op.batch_alter_table('equipment_inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_inspection_equipment_code'), ['equipment_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_inspection_inspected_on'), ['inspected_on'], unique=False)

    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=32), nullable=True),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('office_code', sa.String(length=16), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=19), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('result', sa.String(length=18), nullable=True),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_inspection_office_code_office')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_inspection_staff_id_staff')),
    sa.ForeignKeyConstraint(['task_id'], ['inspection_task.task_id'], name=op.f('fk_inspection_task_id_inspection_task')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_inspection_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection'))
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_done_on'), ['done_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_planned_on'), ['planned_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_task_id'), ['task_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_uscc'), ['uscc'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_uscc'))
        batch_op.drop_index(batch_op.f('ix_inspection_task_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_planned_on'))
        batch_op.drop_index(batch_op.f('ix_inspection_done_on'))

    op.drop_table('inspection')
    with op.batch_alter_table('equipment_inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_inspection_inspected_on'))
        batch_op.drop_index(batch_op.f('ix_equipment_inspection_equipment_code'))

    op.drop_table('equipment_inspection')
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_incident_id'))

    op.drop_table('dispatch')
    with op.batch_alter_table('device_reading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_reading_at'))

    op.drop_table('device_reading')
    with op.batch_alter_table('device_alarm', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_alarm_device_id'))
        batch_op.drop_index(batch_op.f('ix_device_alarm_at'))

    op.drop_table('device_alarm')
    op.drop_table('case_stage_event')
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_uscc'))
        batch_op.drop_index(batch_op.f('ix_warning_status_level'))
        batch_op.drop_index(batch_op.f('ix_warning_raised_at'))

    op.drop_table('warning')
    op.drop_table('staff')
    op.drop_table('resource')
    with op.batch_alter_table('online_store', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_online_store_uscc'))

    op.drop_table('online_store')
    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licence_uscc'))
        batch_op.drop_index(batch_op.f('ix_licence_kind_status'))
        batch_op.drop_index(batch_op.f('ix_licence_expires_on'))

    op.drop_table('licence')
    with op.batch_alter_table('ip_right', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_right_uscc'))
        batch_op.drop_index(batch_op.f('ix_ip_right_registered_on'))

    op.drop_table('ip_right')
    op.drop_table('inspection_task')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_status'))
        batch_op.drop_index(batch_op.f('ix_incident_reported_at'))

    op.drop_table('incident')
    with op.batch_alter_table('food_sampling', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_food_sampling_uscc'))
        batch_op.drop_index(batch_op.f('ix_food_sampling_sampled_on'))

    op.drop_table('food_sampling')
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_uscc'))
        batch_op.drop_index(batch_op.f('ix_equipment_street_code'))
        batch_op.drop_index(batch_op.f('ix_equipment_kind_status'))

    op.drop_table('equipment')
    with op.batch_alter_table('entity_honor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entity_honor_uscc'))

    op.drop_table('entity_honor')
    with op.batch_alter_table('entity_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entity_change_uscc'))
        batch_op.drop_index(batch_op.f('ix_entity_change_changed_on'))

    op.drop_table('entity_change')
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_uscc'))
        batch_op.drop_index(batch_op.f('ix_device_kind_status'))

    op.drop_table('device')
    with op.batch_alter_table('credit_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_list_uscc'))
        batch_op.drop_index(batch_op.f('ix_credit_list_list_removed_on'))

    op.drop_table('credit_list')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_uscc'))
        batch_op.drop_index(batch_op.f('ix_complaint_street_code_received_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_received_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_closed_at'))

    op.drop_table('complaint')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_file_uscc'))
        batch_op.drop_index(batch_op.f('ix_case_file_opened_on'))
        batch_op.drop_index(batch_op.f('ix_case_file_decided_on'))
        batch_op.drop_index(batch_op.f('ix_case_file_closed_on'))

    op.drop_table('case_file')
    with op.batch_alter_table('ad_hit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ad_hit_detected_at'))

    op.drop_table('ad_hit')
    op.drop_table('office')
    with op.batch_alter_table('entity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entity_street_code_status'))
        batch_op.drop_index(batch_op.f('ix_entity_status_entity_type'))
        batch_op.drop_index(batch_op.f('ix_entity_status_changed_on'))
        batch_op.drop_index(batch_op.f('ix_entity_name'))
        batch_op.drop_index(batch_op.f('ix_entity_established_on'))
        batch_op.drop_index(batch_op.f('ix_entity_address'))

    op.drop_table('entity')
    op.drop_table('warning_rule')
    op.drop_table('street')
    op.drop_table('meta')

