"""What machines ask for: health check, robots.txt, sitemap, favicon."""
