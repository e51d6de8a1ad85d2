"""Privacy and cookie policies, filled from the event data file."""
