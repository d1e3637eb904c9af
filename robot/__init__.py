"""bistandsrobot: decision support for ekonomiskt bistånd.

The robot never decides and never rejects: it recommends bifall with an amount,
or sends the application to manual handling with its reasons.
"""

__version__ = "0.1.0"
"""The program's version; every verdict records it. pyproject.toml reads it from here for the package's
metadata, so that a worker need not look its own distribution up at start (importlib.metadata.version)."""
