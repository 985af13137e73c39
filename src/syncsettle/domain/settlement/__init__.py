"""The pure settlement calculation: one bill → every payer's share (DESIGN.md §4)."""
