"""PostgreSQL: the connection pool and schema migrations."""
