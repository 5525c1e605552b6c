"""The landing page, each role's way home, notifications and the language switch."""
