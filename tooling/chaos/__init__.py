"""`streamscribe chaos`: live streams through the whole pipeline while services and brokers are killed,
paused and kept down; then a report of what the streams lost (see report.py, run.py)."""
