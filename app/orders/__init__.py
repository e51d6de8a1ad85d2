"""The order record: what was bought, its states and moves, seat holds, and who hears of it."""
