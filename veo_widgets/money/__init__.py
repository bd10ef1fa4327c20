"""What jobs cost and what was billed: the price catalogue, balance and spend, the budget, and
finding lost create answers in the usage logs (reconcile, recover)."""
