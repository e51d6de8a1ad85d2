"""Cookie consent: the banner, the choice records, Consent Mode v2 and GTM."""
