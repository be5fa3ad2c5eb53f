"""One module per sub-command: each defines ``configure(parser)`` and ``run(args) -> int``.

Command modules import only the standard library at module level; heavy imports
(frictionless, pandas, altair, mkdocs) go inside ``run`` so that ``evreg pool`` starts fast.
"""
