"""The background process and the jobs it runs on a schedule."""
