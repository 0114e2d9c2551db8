"""The procedure catalog: import, versions, publication and the catalog pages."""
