"""The IVR: what a caller hears and presses before reaching a person."""
