"""The marketplace: accounts, shops, listings, orders, escrow payments, reviews, complaints."""
