"""Lead capture: people who leave their details before (or instead of) buying."""
