"""The site stage: chart specs and rendering, generated pages, the MkDocs build."""
