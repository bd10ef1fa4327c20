"""The magics' public home, kept for ``veo_widgets.magics.VeoMagics`` (``%config VeoMagics``)."""

from .notebook.magics import VeoMagics, load_ipython_extension, unload_ipython_extension

__all__ = ["VeoMagics", "load_ipython_extension", "unload_ipython_extension"]
