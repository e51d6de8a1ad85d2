"""GDPR rights without anyone doing them by hand: access links, export, erasure, retention."""
