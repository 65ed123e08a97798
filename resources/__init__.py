"""Package data: fonts, statement templates, question library and translation catalogs."""
