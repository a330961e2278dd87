"""Test suite for the hotline switch."""
