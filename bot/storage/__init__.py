"""Storage adapters: SQLAlchemy models, repositories, unit of work, report queries, file loaders."""
