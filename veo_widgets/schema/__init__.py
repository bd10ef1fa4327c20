"""What a generation is, with no I/O: the options and their cross-field rules, the Veo family,
the request and job models, and image and video preparation. Imports only ``_errors`` and ``_config``."""
