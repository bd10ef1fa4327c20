"""The gallery of past jobs: its model, poster strip and actions."""
