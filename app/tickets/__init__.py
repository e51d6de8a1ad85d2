"""What a ticket shows: its signed code and the QR that carries it (no database here)."""
