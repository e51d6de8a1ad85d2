"""The event, its offers and their seats: loaded from the data file into the database."""
