"""Seats and agents: who can take a call right now."""
