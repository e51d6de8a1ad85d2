"""What tells the team the shop is well: readiness, metrics, error reports and alerts."""
