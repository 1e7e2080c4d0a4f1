"""The reference catalogue server: storage (SQLAlchemy + Alembic), JSON API and web pages."""
