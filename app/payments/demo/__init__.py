"""The offline demo provider: payments played on our own pages, never in production."""
