"""Shared kernel: settings, database, organisation directory, calendar. Knows nothing of complaints."""
