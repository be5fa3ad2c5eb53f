"""The review stage: run the analysis plan, reproduce and audit the published review."""
