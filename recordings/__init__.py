"""Call recordings: from Asterisk's spool into the store, with a database row."""
