"""The landing page and the shop's plain pages (privacy, terms, health)."""
