"""The back office: the team's sign-in, roles, and the pages they run the event from."""
