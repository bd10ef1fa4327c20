"""The widget panel: the form, the inputs, the key field, the cards and the running jobs."""
