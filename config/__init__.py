"""Configuration: the YAML schema admins edit, its loader and secret references."""
