"""bistandsrobot: decision support for ekonomiskt bistånd.

The robot never decides and never rejects: it recommends bifall with an amount,
or sends the application to manual handling with its reasons.
"""

__version__ = "0.1.0"
