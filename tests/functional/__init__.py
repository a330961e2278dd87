"""Services against real PostgreSQL and a fake ARI."""
