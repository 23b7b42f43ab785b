"""Speaks the WeChat web protocol. Knows nothing of threads, pandas or widgets."""
