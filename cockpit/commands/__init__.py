"""One module per ``cockpit`` command; ``cockpit.cli`` lists them."""
