"""Groq endpoints beyond Terraform: storing a target's API key (`siliconfleet groq set-key`)."""

from .keys import KeyStoreError, Stored, check_key_shape, store_key

__all__ = ["KeyStoreError", "Stored", "check_key_shape", "store_key"]
