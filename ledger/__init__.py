"""Double-entry books: accounts, transactions and their entries."""
