"""Reports: dashboards, yearly statements, savings, exports."""
