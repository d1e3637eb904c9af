"""Adapters to the world outside the robot, behind interfaces: SSBTEK and register files (register data); AGI and the activity provider next."""
