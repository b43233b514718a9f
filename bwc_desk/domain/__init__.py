"""Pure rules of the evidence room. Imports nothing of ours and no framework."""
