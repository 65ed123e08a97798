"""Cameras and microphones for interview recording (issue 18): the frame types every source
pushes, and faithful synthetic sources (a drawn person or room with a clock, a tone) that feed
the same pipeline a real device feeds. Real devices are adapted in the GUI (Qt Multimedia).
"""

from hardware.camera.frames import AudioChunk, AudioSource, VideoFrame, VideoSource
from hardware.camera.synthetic import SyntheticCamera, SyntheticMicrophone

__all__ = ["AudioChunk", "AudioSource", "SyntheticCamera", "SyntheticMicrophone", "VideoFrame",
           "VideoSource"]
