"""The catalogue: publishers, API keys, tools, versions and their filter tags.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "publishers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("public_key_pem", sa.Text, nullable=False),
        sa.Column("public_key_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_table(
        "tools",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "tool_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tool_id", sa.String(64), sa.ForeignKey("tools.id"), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("entry_json", sa.Text, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("bundle_zip", sa.LargeBinary, nullable=False),
        sa.Column("cost", sa.String(40), nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("withdrawn_reason", sa.Text, nullable=True),
        sa.Column("withdrawn_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("tool_id", "version", name="uq_tool_version"),
    )
    op.create_table(
        "version_tags",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("tool_versions.id"), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(64), primary_key=True),
    )
    op.create_index("ix_version_tags_kind_value", "version_tags", ["kind", "value"])


def downgrade() -> None:
    op.drop_index("ix_version_tags_kind_value", "version_tags")
    for table in ("version_tags", "tool_versions", "tools", "api_keys", "publishers"):
        op.drop_table(table)
