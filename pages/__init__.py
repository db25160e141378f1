"""Page objects: one module per screen, shared widgets in `pages.components`."""
