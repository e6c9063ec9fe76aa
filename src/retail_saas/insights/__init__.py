"""Insights: backtests of the anomaly, churn-risk, contact-churn and template marts (`retail-saas insights-eval`)."""
