"""Full-text search over published procedures (Whoosh). The only package that imports Whoosh;
everything else calls ``app.search.services``."""
