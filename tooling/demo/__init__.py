"""`streamscribe demo` and `streamscribe up`: run the whole pipeline on one machine."""
