"""Video files on disk, through PyAV: stitching clips, last frames, posters, and the sample image;
and a video link to extend, read for what extend checks (``_remote``)."""
