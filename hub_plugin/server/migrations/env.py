"""Alembic environment: migrations run on the connection the catalogue hands over."""

from alembic import context

from saferkit.hub_plugin.server.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through saferkit.hub_plugin.server.db.migrate(engine)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
