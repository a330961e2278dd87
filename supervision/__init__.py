"""Supervisors on a seat's call from their own softphone: listen, whisper to the agent, barge in."""
