"""The `robot` command (also `python -m robot`)."""
