"""Work built from several generations: continue and extend, and batches from a CSV."""
