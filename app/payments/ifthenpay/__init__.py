"""ifthenpay: MB WAY and Multibanco through a Portuguese payment gateway."""
