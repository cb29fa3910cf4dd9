"""Embeddings: the models, the int8 ONNX MiniLM, the cache in the store, and unit-length vectors."""
