"""Invoices: a certified invoice-receipt for every sale, a credit note for every refund,
issued through the outbox by an invoicing service (or the demo invoicer)."""
