"""The desktop's side of sync: signed HTTP requests, resumable uploads and the sync round.

Nothing here imports `desktop`: the engine talks to the store through `source.SyncSource`,
which the desktop implements (`desktop.services.sync`). The modules, from the wire up:
`transport` (one signed http.client connection, typed errors), `throttle` (the bandwidth
cap), `backoff` (full jitter), `enrol` (the one-time code, pinning HQ's key), `receipts`
(checks against the pinned key), `tus` (media uploads that resume), `leaves` (audit leaves
with their tree heads), `engine` (one round), `refdata` (reference data down).
"""
