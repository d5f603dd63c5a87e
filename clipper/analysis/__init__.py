"""Read-side queries for analysts: listing, search, report."""
