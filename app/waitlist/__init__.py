"""The waiting list of a sold-out offer: who waits, in the order they joined, and the
seats offered to them as seats free up."""
