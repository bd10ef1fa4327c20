"""The panel's public home, kept for ``from veo_widgets.widget import Panel``."""

from .notebook.panel._panel import Panel, new_client, video_player

__all__ = ["Panel", "new_client", "video_player"]
