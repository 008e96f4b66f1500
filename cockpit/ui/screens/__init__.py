"""The console's modal screens: checklist, confirmations, viewer card, prompts and help."""
