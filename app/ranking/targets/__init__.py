"""The target list: the latest full ranking read back, filtered, explained and exported."""
