"""The data layer: SQLAlchemy models, engine and pragmas, migrations, queries taking a Session."""
