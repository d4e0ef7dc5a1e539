"""The derive step of a load: the neuPrint graph computed from the canonical
tables (pure pandas and numpy, no database)."""
