"""Personal data at its lowest level: encrypted at rest, masked wherever it could reach a log."""
