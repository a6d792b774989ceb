"""operations: executable warning rules, the rule engine's ledger, the warning workflow's events,
the 双随机 draw's second inspector and inputs in the schema

Revision ID: 0005_operations
Revises: 0002_identity
Create Date: 2026-12-07

The draw records that ``smartsup draw`` used to keep in ``meta`` (``draw:<task_id>``) move into
``inspection_task.params``, and the second inspector of every stored pair into
``inspection.second_staff_id``.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = '0005_operations'
down_revision = '0004_city_exchange'
branch_labels = None
depends_on = None

_DRAW_PREFIX = 'draw:'


def upgrade() -> None:
    with op.batch_alter_table('warning_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('definition', sa.Text(), nullable=True,
                                      comment='JSON: the executable definition (data_access.rules.RuleDefinition)'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_by', sa.String(length=64), nullable=True))

    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=128), nullable=True,
                                      comment='what the rule matched (uscc, equipment code, device id, …); null for generated rows'))
        batch_op.add_column(sa.Column('deadline_at', sa.DateTime(), nullable=True, comment='handling deadline, by level'))
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_warning_rule_id_status'), ['rule_id', 'status'], unique=False)

    op.create_table('warning_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('warning_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('from_status', sa.String(length=8), nullable=True),
    sa.Column('to_status', sa.String(length=8), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('office_code', sa.String(length=16), nullable=True, comment='office assigned by this step'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_event')),
    comment='one row per workflow transition of a warning (data.md §8)'
    )
    with op.batch_alter_table('warning_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_event_warning_id'), ['warning_id'], unique=False)

    op.create_table('warning_match',
    sa.Column('rule_id', sa.String(length=32), nullable=False),
    sa.Column('match_key', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('matched_at', sa.DateTime(), nullable=False),
    sa.Column('warning_id', sa.String(length=32), nullable=True, comment='the warning raised or already open'),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('rule_id', 'match_key', name=op.f('pk_warning_match')),
    comment="the rule engine's ledger: every match it has seen, so a match raises at most once"
    )
    with op.batch_alter_table('warning_match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_match_rule_id_subject'), ['rule_id', 'subject'], unique=False)

    with op.batch_alter_table('inspection_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.Text(), nullable=True,
                                      comment="JSON: the draw's inputs and record (filter, ratios, population, pool, pairs)"))

    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('second_staff_id', sa.Integer(), nullable=True,
                                      comment='the second inspector of a 双随机 pair (staff_id leads)'))
        batch_op.create_foreign_key(batch_op.f('fk_inspection_second_staff_id_staff'), 'staff',
                                    ['second_staff_id'], ['id'])

    _move_draw_records()


def _move_draw_records() -> None:
    """Draw records from ``meta`` into ``inspection_task.params`` and the second inspectors."""
    conn = op.get_bind()
    meta = sa.table('meta', sa.column('key', sa.String), sa.column('value', sa.Text))
    task = sa.table('inspection_task', sa.column('task_id', sa.String), sa.column('params', sa.Text))
    insp = sa.table('inspection', sa.column('task_id', sa.String), sa.column('uscc', sa.String),
                    sa.column('second_staff_id', sa.Integer))
    rows = conn.execute(sa.select(meta.c.key, meta.c.value).where(meta.c.key.like(_DRAW_PREFIX + '%'))).all()
    for key, value in rows:
        task_id = key[len(_DRAW_PREFIX):]
        record = json.loads(value)
        conn.execute(sa.update(task).where(task.c.task_id == task_id).values(params=value))
        for uscc, _lead, second in record.get('pairs', []):
            conn.execute(sa.update(insp).where(insp.c.task_id == task_id, insp.c.uscc == uscc)
                         .values(second_staff_id=int(second)))
        conn.execute(sa.delete(meta).where(meta.c.key == key))


def downgrade() -> None:
    conn = op.get_bind()
    meta = sa.table('meta', sa.column('key', sa.String), sa.column('value', sa.Text))
    task = sa.table('inspection_task', sa.column('task_id', sa.String), sa.column('params', sa.Text))
    for task_id, params in conn.execute(sa.select(task.c.task_id, task.c.params)
                                        .where(task.c.params.is_not(None))).all():
        conn.execute(sa.insert(meta).values(key=_DRAW_PREFIX + task_id, value=params))
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inspection_second_staff_id_staff'), type_='foreignkey')
        batch_op.drop_column('second_staff_id')
    with op.batch_alter_table('inspection_task', schema=None) as batch_op:
        batch_op.drop_column('params')
    with op.batch_alter_table('warning_match', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_match_rule_id_subject'))
    op.drop_table('warning_match')
    with op.batch_alter_table('warning_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_event_warning_id'))
        batch_op.drop_index(batch_op.f('ix_warning_event_at'))
    op.drop_table('warning_event')
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_rule_id_status'))
        batch_op.drop_column('verified_at')
        batch_op.drop_column('deadline_at')
        batch_op.drop_column('subject')
    with op.batch_alter_table('warning_rule', schema=None) as batch_op:
        batch_op.drop_column('updated_by')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('definition')
