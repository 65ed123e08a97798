"""Evidence on screen: the case's evidence panel and the body-worn recorder docking dialog.

`EvidencePanel` lists a case's evidence, shows an item's hashes and custody, and imports,
exports, verifies and views photos; `DockDialog` docks the recorder at the configured port
with progress, cancel and resume. `describe` holds the shared wording, `photo_viewer` the
in-memory image viewer.
"""

from desktop.ui.evidence.dock_dialog import DockDialog
from desktop.ui.evidence.panel import EvidencePanel

__all__ = ["DockDialog", "EvidencePanel"]
