"""The site's charts as Vega-Lite specs, one chart kind a module: the forest plot
(:mod:`~evreg.site.plots.forest`, wide; :mod:`~evreg.site.plots.forest_compact`, for narrow
screens), the funnel plot (:mod:`~evreg.site.plots.funnel`) and the PRISMA flow diagram
(:mod:`~evreg.site.plots.prisma`), with what they share in :mod:`~evreg.site.plots.parts`.

They draw rows they are given; what an analysis's charts show (rows, footers, text
alternatives) is :mod:`evreg.site.analysis_figures`, and how charts are rendered, cached and
embedded in pages is :mod:`evreg.site.charts`.
"""
