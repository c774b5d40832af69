"""Scoring against annotated corpora, and training the learned engine."""
