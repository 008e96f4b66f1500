"""Theme files for the console and the stage, installed as ``cockpit.themes``."""
