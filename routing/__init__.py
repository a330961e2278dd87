"""Queues and routing: which seat takes which caller."""
