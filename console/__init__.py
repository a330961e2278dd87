"""The web console: accounts, roles and sessions, the agent console, the wallboard, admin pages."""
