"""The living stage: add a study, diff results between data versions, release a version."""
