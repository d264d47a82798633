"""Benchmarks of syncrag side by side with the model alone and with LangChain's indexing API."""
