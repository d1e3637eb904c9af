"""The documents at the robot's edges (../shared/FORMATS.md): ansokan/1, register/1, the verdict and beslut/1; forslag/1 (the verdict for a case system)."""
