"""Jupyter: the panel, the gallery, the takes and batch views, and the ``%%veo`` magics.
The only layer that imports ipywidgets and IPython."""
