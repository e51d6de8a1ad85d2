"""Payment providers behind one small interface, and the moves they cause on orders."""
