"""Callbacks (回拨): citizens the switch calls back, seat first, keeping their place in line."""
