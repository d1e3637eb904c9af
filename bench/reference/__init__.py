"""Reference implementations benchmarks compare against; none is used by the robot."""
