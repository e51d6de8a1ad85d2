"""The buying flow on the web: checkout form, order page, retry, attendee page."""
