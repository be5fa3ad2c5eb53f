"""The site stage: chart specs and rendering, page view models (``views``) rendered by Jinja2
templates (``templates/``, autoescaped), the MkDocs build."""
