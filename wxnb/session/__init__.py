"""One logged-in account: the login flow, the sync thread, live tables, actions, status and events."""
