"""The data stage: load the evidence data package and validate it (bottom of the pipeline)."""
