"""swift."""
