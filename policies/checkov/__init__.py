"""siliconfleet custom checkov checks (loaded by .checkov.yaml external-checks-dir)."""
