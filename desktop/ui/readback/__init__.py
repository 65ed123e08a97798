"""Read-back and signing in the GUI: the officer's dialog and the interviewee's window.

`ReadBackFlow(ctx, statement_id, parent)` is the dialog the interview workspace opens once
the statement is in read-back (`flow`); it drives the interviewee's window (`party_window`)
with the page images (`pages`, rendered in memory with pypdfium2), the signature pad
(`signature_pad`), fingerprint import (`fingerprint`), the refusal dialog (`refusal`) and,
after signing and sealing, the signed pages with export (`preview`).
"""

from desktop.ui.readback.flow import ReadBackFlow

__all__ = ["ReadBackFlow"]
