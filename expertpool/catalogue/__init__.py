"""The marketplace of experts: cards, filters, profiles."""
