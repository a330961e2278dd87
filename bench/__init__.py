"""The load benchmark (`make bench`): the hotline, dialplan Queue() and a minimal ARI router."""
