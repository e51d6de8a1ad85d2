"""Request helpers shared by every feature: localized URLs, htmx rendering, errors."""
