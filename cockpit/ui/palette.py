"""Every console action in the command palette."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from cockpit.ui.bindings import CONSOLE_BINDINGS, describe


class ConsoleCommands(Provider):
    """Offers each binding of the console as a palette command."""

    async def discover(self) -> Hits:
        for binding in CONSOLE_BINDINGS:
            yield DiscoveryHit(
                describe(binding),
                partial(self.app.run_action, binding.action),
                help=f"key {binding.key}",
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for binding in CONSOLE_BINDINGS:
            text = describe(binding)
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(self.app.run_action, binding.action),
                    help=f"key {binding.key}",
                )
