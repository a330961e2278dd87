"""SMS to judges, division heads and callers: a transactional outbox delivered to a gateway."""
