"""The pages French law asks of a public body's site: legal notice, privacy policy, accessibility
statement, and the security contact (RFC 9116)."""
