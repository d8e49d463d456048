"""What the slash commands answer, worked out from the database; the listeners only deliver it."""
