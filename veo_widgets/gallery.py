"""The gallery's public home, kept for ``from veo_widgets.gallery import Gallery``."""

from .notebook.gallery._gallery import Gallery

__all__ = ["Gallery"]
