"""``cockpit demo``: the whole product on a simulator that the demo's own studio hosts."""
