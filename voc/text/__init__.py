"""Text handling every stage shares: language detection, redaction of personal data, escaping, tokens and hashes."""
