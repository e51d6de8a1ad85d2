"""Personal data: encryption at rest, and what the shop does with a person's details."""
