"""The analysis: the spaCy pipeline and one module per component."""
