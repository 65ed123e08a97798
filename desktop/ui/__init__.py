"""The Qt desktop application (PySide6 Widgets): the only package that imports Qt.

`app` starts it (first-run setup, login, main window), `background` runs store calls on the
one store thread and device I/O on device threads with callbacks back on the GUI thread,
`context` holds what every window shares, and one module or sub-package per screen:
`start` (setup and login), `idle_lock`, `main_window` with `cases` and `devices`,
`interview/` (the statement workspace), `readback/` (party window, signature pad, signing),
`evidence/` (docking and the evidence list) and `verify_view` (drop a PDF to verify it).
Everything below `desktop/ui` calls `desktop.services`; nothing here talks SQL or bytes.
"""
