"""The three documents at the robot's edges (../shared/FORMATS.md): ansokan/1, register/1 and the verdict."""
