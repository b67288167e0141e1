"""Plain HTTP routes beside /graphql (downloads)."""
