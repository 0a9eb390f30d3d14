"""The shared kernel: imports no app of the portal (a test enforces it)."""
