"""image_repo."""
