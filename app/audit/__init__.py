"""The audit log: what the team did, to which order or person, before and after."""
