"""Autoscaling by lag: a pure policy (`policy`) and the glue that applies it in `streamscribe up` (`loop`)."""
