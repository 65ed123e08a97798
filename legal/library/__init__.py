"""Statutes at article level: the model, the Markdown reader, citations."""
