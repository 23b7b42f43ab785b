"""anywidget views: login, status, chat."""
