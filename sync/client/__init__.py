"""The desktop's side of sync: signed HTTP requests, resumable uploads and the sync round.

Nothing here imports `desktop`: the engine talks to the store through `source.SyncSource`,
which the desktop implements (`desktop.services.sync`).
"""
