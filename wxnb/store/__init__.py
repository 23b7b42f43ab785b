"""What we know: in-memory tables and their durable archive."""
