"""Findings: the model, the rule catalogue and the PCI DSS mapping."""
