"""Recording the interview in the GUI (issue 18): the panel, the sources, playback.

`RecordingPanel` sits beside the interview editor: the live preview of the composed picture,
the recording indicator and clock, Start / Pause… / Resume / Stop, the low-space warning and
the recorder's failure in words. `RecordingController` (one per statement in this process)
is what the panel and the read-back dialog share: it starts the recording through the
service, feeds it from the chosen `Sources` (Qt camera and microphone when present, the
synthetic ones with --demo-devices or when the settings ask), sends the turn being typed as
the subtitle and stops it after the interviewee's signatures. `PlaybackWindow` plays a
recording decrypted in memory with the turns as chapters. Decision 46.
"""

from desktop.ui.recording.controller import RecordingController, controller_for
from desktop.ui.recording.panel import RecordingPanel
from desktop.ui.recording.playback import PlaybackWindow

__all__ = ["PlaybackWindow", "RecordingController", "RecordingPanel", "controller_for"]
