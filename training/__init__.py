"""Training pipeline: synthetic corpus, data preparation, NeMo CTC training, KenLM n-gram."""
