"""Developer tools for Statement Room; not shipped with the application.

`tools.i18n` keeps the gettext catalog in step with the code (`python3 tools/i18n.py --help`).
"""
