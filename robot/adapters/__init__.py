"""Adapters to the world outside the robot: SSBTEK (register data), case-system intake and output."""
