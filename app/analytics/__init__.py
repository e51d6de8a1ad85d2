"""The dataLayer rendered on the server, and the landing A/B headline."""
