"""Change over time: what an app update added and removed, and the CI gate on it."""
