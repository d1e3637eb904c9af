"""bistandsrobot: decision support for ekonomiskt bistånd.

The robot never decides and never rejects: it recommends bifall with an amount,
or sends the application to manual handling with its reasons.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bistandsrobot")
    """The installed package's version (pyproject.toml); every verdict records it."""
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+okänd"
