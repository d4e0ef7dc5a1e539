"""Pictures of a connectome (the optional ``plot`` extra)."""
