"""One logged-in account: login flow, sync thread, live tables, actions."""
