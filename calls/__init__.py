"""Calls through the hotline, from arrival to hangup."""
