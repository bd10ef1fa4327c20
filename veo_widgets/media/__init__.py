"""Video files on disk, through PyAV: stitching clips, last frames, posters, and the sample image."""
