"""REST API of instalment credit (API.md "Credit" and the credit staff actions)."""
