"""Learning: modules, sections read, documents read, module completion."""
