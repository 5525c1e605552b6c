"""The scheduler's coordinator pages: preview, commit, run history, manual moves."""
