"""The person behind leads and orders: one Customer per email, found by its blind index."""
