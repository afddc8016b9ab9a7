"""Request sequences replayed as identity providers send them, written from their public docs."""
