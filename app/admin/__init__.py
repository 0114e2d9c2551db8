"""Administration: users, import batches and publication, the audit log."""
