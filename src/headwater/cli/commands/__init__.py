"""One module per command group; each imports the engine only inside its commands."""
