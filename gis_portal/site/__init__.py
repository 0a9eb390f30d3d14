"""Site-wide pages and plumbing: home, health, error pages, middleware, context."""
