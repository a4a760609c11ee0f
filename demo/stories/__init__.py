"""One module per demo case: `ORDER` (oldest incident first) and `tell(story)`, found by demo/loader.py."""
