"""A faithful WeChat web-protocol server on 127.0.0.1, with a virtual phone, for tests, demos and bots."""
