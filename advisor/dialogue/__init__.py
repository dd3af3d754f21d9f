"""The dialogue layer: prompts, history, follow-ups, safety screening and the grounding guard."""
