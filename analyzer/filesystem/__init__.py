"""image-audit."""
