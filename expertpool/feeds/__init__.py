"""Private iCalendar feeds of experts and member structures."""
