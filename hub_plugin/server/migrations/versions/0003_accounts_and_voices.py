"""Web sessions, the read/publish audit, field evidence and experience reports.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id_sha256", sa.String(64), primary_key=True),
        sa.Column("api_key_id", sa.Integer, sa.ForeignKey("api_keys.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_table(
        "field_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tool_id", sa.String(64), sa.ForeignKey("tools.id"), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False),
        sa.Column("document_json", sa.Text, nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "experience_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tool_id", sa.String(64), sa.ForeignKey("tools.id"), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("fields_json", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("answer", sa.Text, nullable=True),
        sa.Column("answer_lang", sa.String(8), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("moderated_at", TZ, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("experience_reports")
    op.drop_table("field_reports")
    op.drop_index("ix_audit_events_at", "audit_events")
    op.drop_table("audit_events")
    op.drop_table("web_sessions")
