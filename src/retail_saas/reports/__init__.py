"""Reports people receive: KPI exports per scope and period (CSV + PDF), scheduled delivery by SMTP."""
