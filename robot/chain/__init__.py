"""The rule chain: step kinds implemented in code, their order and parameters declared in `rules/`."""
