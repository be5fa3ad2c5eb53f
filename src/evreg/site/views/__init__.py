"""View models of the generated pages: one module per page or page family.

Each ``*_view`` function turns the package and the results into the small, frozen object its
template (``evreg/site/templates/<page>.md.j2``) prints: what to say and every number,
formatted, as plain text; links, badges and tables as :mod:`evreg.site.viewmodel` objects.
"""
