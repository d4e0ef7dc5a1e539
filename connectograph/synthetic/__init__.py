"""Synthetic connectomes shaped like the real bundle (for speed and scale only)."""
