"""The real thing: Asterisk, PostgreSQL and SIPp peers."""
