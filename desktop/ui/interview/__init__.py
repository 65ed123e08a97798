"""The interview workspace of the GUI (issue 6 §3): header, Q&A editor, autosave, read-back.

`InterviewWorkspace(ctx, case_id, statement_id=None)` is the one public widget; the modules
beside it are its parts (header form, turn editors, autosave, phrases, history dialog).
"""

from desktop.ui.interview.workspace import InterviewWorkspace

__all__ = ["InterviewWorkspace"]
