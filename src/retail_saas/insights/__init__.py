"""Insights: backtests of the anomaly and churn-risk marts (`retail-saas insights-eval`)."""
