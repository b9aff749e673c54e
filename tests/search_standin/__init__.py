"""A local stand-in for Azure AI Search (no emulator exists): see server.py."""

from tests.search_standin.server import Recorded, SearchStandIn

__all__ = ["Recorded", "SearchStandIn"]
