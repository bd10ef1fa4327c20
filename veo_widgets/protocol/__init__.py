"""The API's protocol with no I/O: create, poll and download flows as generators that yield
steps, the parsing of every answer variant, and the poll schedule."""
