"""Reading articles and sources; writing reports, JSON and BRAT."""
