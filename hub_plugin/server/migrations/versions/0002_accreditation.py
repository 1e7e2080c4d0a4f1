"""Accredited evaluators (public keys) and accredited profiles (by digest).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accredited_evaluators",
        sa.Column("key_sha256", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("public_key_pem", sa.Text, nullable=False),
        sa.Column("expires", sa.String(10), nullable=True),
        sa.Column("added_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_table(
        "accredited_profiles",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("accredited_profiles")
    op.drop_table("accredited_evaluators")
