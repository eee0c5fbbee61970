"""One module per capability: each use case is one call here (permission check, work, audit event)."""
