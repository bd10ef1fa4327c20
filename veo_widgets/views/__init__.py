"""What the command line and the notebook share: status and history as text and HTML, the
style, and the ``%veo``/``veo`` argument parsers. No widgets, no IPython."""
