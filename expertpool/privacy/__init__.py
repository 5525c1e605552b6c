"""RGPD rights of the people the pool knows: access and portability (export), erasure, retention."""
