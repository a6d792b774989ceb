"""identity: accounts (app_user) and the append-only audit log (audit_log)

Revision ID: 0002_identity
Revises: 0001
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_identity'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('office_code', sa.String(length=16), nullable=True, comment="station staff: their 市场监管所, whose street_code is their jurisdiction"),
    sa.Column('password_hash', sa.String(length=255), nullable=True, comment='argon2id; null for wall accounts'),
    sa.Column('wall_token_hash', sa.String(length=64), nullable=True, comment="sha256 of the wall display's token; null = no valid token"),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_app_user')),
    sa.UniqueConstraint('wall_token_hash', name=op.f('uq_app_user_wall_token_hash')),
    comment='accounts of the web app (identity); role in ROLES'
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=True, comment='as typed for login_failed'),
    sa.Column('role', sa.String(length=8), nullable=True),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('target', sa.String(length=256), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    comment='append-only: who did or viewed what (可追溯、可问责); action in AUDIT_ACTIONS'
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_index(op.f('ix_audit_log_username_at'), 'audit_log', ['username', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_log_username_at'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_table('app_user')
