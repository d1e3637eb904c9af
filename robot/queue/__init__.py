"""The durable queue: applications, their states and leases, verdicts, manual items and the event log."""
