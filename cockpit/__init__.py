"""retake-cockpit: a terminal cockpit for AI-agent livestreams on retake.tv."""

__version__ = "0.1.0"
