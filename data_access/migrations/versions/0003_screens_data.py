"""screens data: co-governance, party building, assurance, city ops

Revision ID: 0003_screens_data
Revises: 0001
Create Date: 2026-12-07

The tables of the last four screens (data.md §8): 社会共治, 党建, 重大事项保障, 城运.
Down revision 0001 for now; the lead re-chains it after the identity migration at merge.
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_screens_data'
down_revision = '0002_identity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('association',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('industry_code', sa.String(length=2), nullable=True, comment='GB/T 4754 division; null = all'),
    sa.Column('members', sa.Integer(), nullable=False, comment='member units'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_association'))
    )
    op.create_table('assurance_mission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('venue', sa.String(length=128), nullable=True),
    sa.Column('venue_lon', sa.Float(), nullable=True, comment='WGS-84; the venue may lie outside the district'),
    sa.Column('venue_lat', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assurance_mission'))
    )
    op.create_table('assurance_site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('street_code', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('risk_tier', sa.String(length=8), nullable=False),
    sa.Column('patrol_interval_hours', sa.Integer(), nullable=False, comment='high 2, medium 4, low 24'),
    sa.ForeignKeyConstraint(['mission_id'], ['assurance_mission.id'], name=op.f('fk_assurance_site_mission_id_assurance_mission')),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_assurance_site_street_code_street')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_assurance_site_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assurance_site'))
    )
    with op.batch_alter_table('assurance_site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assurance_site_mission_id'), ['mission_id'], unique=False)

    op.create_table('city_work_order',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=9), nullable=False),
    sa.Column('source_id', sa.String(length=40), nullable=False, comment='id of the alarm/warning/complaint/incident'),
    sa.Column('category', sa.String(length=32), nullable=True, comment="the source's kind: alarm kind, warning level, complaint category, incident kind"),
    sa.Column('uscc', sa.CHAR(length=18), nullable=True),
    sa.Column('street_code', sa.String(length=12), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('title', sa.String(length=256), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('pushed_at', sa.DateTime(), nullable=True, comment='pushed to the district 城运中心'),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True, comment='handling time limit'),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_city_work_order_street_code_street')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_city_work_order_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_work_order')),
    sa.UniqueConstraint('source', 'source_id', name=op.f('uq_city_work_order_source_source_id'))
    )
    with op.batch_alter_table('city_work_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_work_order_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_city_work_order_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_city_work_order_status'), ['status'], unique=False)

    op.create_table('commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('kind', sa.String(length=19), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_commitment_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment'))
    )
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_uscc'), ['uscc'], unique=False)

    op.create_table('mediation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=True, comment='null = 区消保委 (consumer rights protection committee)'),
    sa.Column('uscc', sa.CHAR(length=18), nullable=True, comment='the business'),
    sa.Column('street_code', sa.String(length=12), nullable=False),
    sa.Column('category', sa.String(length=17), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('result', sa.String(length=9), nullable=True, comment='null while open'),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=True, comment='元 recovered for the consumer'),
    sa.ForeignKeyConstraint(['association_id'], ['association.id'], name=op.f('fk_mediation_association_id_association')),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_mediation_street_code_street')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_mediation_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation'))
    )
    with op.batch_alter_table('mediation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediation_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_mediation_received_on'), ['received_on'], unique=False)

    op.create_table('party_org',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=18), nullable=False),
    sa.Column('street_code', sa.String(length=12), nullable=True, comment="null for branches of the bureau's departments"),
    sa.Column('uscc', sa.CHAR(length=18), nullable=True, comment='the enterprise of a single-enterprise organisation'),
    sa.Column('office_code', sa.String(length=16), nullable=True, comment='the bureau unit of a bureau branch'),
    sa.Column('members', sa.Integer(), nullable=False, comment='party members'),
    sa.Column('established_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_party_org_office_code_office')),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_party_org_street_code_street')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_party_org_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_org'))
    )
    op.create_table('self_inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=17), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False, comment='items checked'),
    sa.Column('problems', sa.Integer(), nullable=False, comment='items found wanting'),
    sa.Column('rectified_on', sa.Date(), nullable=True, comment='all problems rectified on'),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_self_inspection_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_inspection'))
    )
    with op.batch_alter_table('self_inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_inspection_done_on'), ['done_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_self_inspection_uscc'), ['uscc'], unique=False)

    op.create_table('assurance_patrol',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('rapid_tests', sa.Integer(), server_default='0', nullable=False, comment='food rapid tests (快检) done on the patrol'),
    sa.Column('rapid_fails', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['assurance_site.id'], name=op.f('fk_assurance_patrol_site_id_assurance_site')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_assurance_patrol_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assurance_patrol'))
    )
    with op.batch_alter_table('assurance_patrol', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assurance_patrol_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_assurance_patrol_site_id_at'), ['site_id', 'at'], unique=False)

    op.create_table('party_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=14), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['party_org.id'], name=op.f('fk_party_activity_org_id_party_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_activity'))
    )
    with op.batch_alter_table('party_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_activity_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_party_activity_org_id'), ['org_id'], unique=False)

    op.create_table('party_org_member',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['party_org.id'], name=op.f('fk_party_org_member_org_id_party_org')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_party_org_member_uscc_entity')),
    sa.PrimaryKeyConstraint('org_id', 'uscc', name=op.f('pk_party_org_member')),
    comment='enterprises an organisation covers: its own for a single one, several for a joint one'
    )
    with op.batch_alter_table('party_org_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_org_member_uscc'), ['uscc'], unique=False)

    op.create_table('qr_scan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=15), nullable=False),
    sa.Column('uscc', sa.CHAR(length=18), nullable=True, comment="the entity scanned (an elevator's user unit for elevator codes)"),
    sa.Column('equipment_code', sa.String(length=32), nullable=True),
    sa.Column('street_code', sa.String(length=12), nullable=False),
    sa.Column('scanned_at', sa.DateTime(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=True, comment='1-5; null when not rated'),
    sa.Column('reported_problem', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['equipment_code'], ['equipment.equipment_code'], name=op.f('fk_qr_scan_equipment_code_equipment')),
    sa.ForeignKeyConstraint(['street_code'], ['street.code'], name=op.f('fk_qr_scan_street_code_street')),
    sa.ForeignKeyConstraint(['uscc'], ['entity.uscc'], name=op.f('fk_qr_scan_uscc_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_scan'))
    )
    with op.batch_alter_table('qr_scan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qr_scan_scanned_at'), ['scanned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_scan_uscc'), ['uscc'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('qr_scan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qr_scan_uscc'))
        batch_op.drop_index(batch_op.f('ix_qr_scan_scanned_at'))

    op.drop_table('qr_scan')
    with op.batch_alter_table('party_org_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_org_member_uscc'))

    op.drop_table('party_org_member')
    with op.batch_alter_table('party_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_activity_org_id'))
        batch_op.drop_index(batch_op.f('ix_party_activity_held_on'))

    op.drop_table('party_activity')
    with op.batch_alter_table('assurance_patrol', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assurance_patrol_site_id_at'))
        batch_op.drop_index(batch_op.f('ix_assurance_patrol_at'))

    op.drop_table('assurance_patrol')
    with op.batch_alter_table('self_inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_inspection_uscc'))
        batch_op.drop_index(batch_op.f('ix_self_inspection_done_on'))

    op.drop_table('self_inspection')
    op.drop_table('party_org')
    with op.batch_alter_table('mediation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediation_received_on'))
        batch_op.drop_index(batch_op.f('ix_mediation_closed_on'))

    op.drop_table('mediation')
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_uscc'))

    op.drop_table('commitment')
    with op.batch_alter_table('city_work_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_work_order_status'))
        batch_op.drop_index(batch_op.f('ix_city_work_order_created_at'))
        batch_op.drop_index(batch_op.f('ix_city_work_order_closed_at'))

    op.drop_table('city_work_order')
    with op.batch_alter_table('assurance_site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assurance_site_mission_id'))

    op.drop_table('assurance_site')
    op.drop_table('assurance_mission')
    op.drop_table('association')
