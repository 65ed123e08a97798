"""Interview recording (同步录音录像, issue 18): composing the picture, encoding it with its sound
into fragmented MP4, and writing it straight into the encrypted vault with durable checkpoints.

No Qt here: the GUI (desktop/ui/recording) shows the preview and adapts real cameras; the
headless demo drives the same pipeline with synthetic sources (hardware/camera).
"""
