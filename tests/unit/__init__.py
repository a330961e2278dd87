"""Fast tests of pure decisions and models: no network, no database, no Asterisk."""
