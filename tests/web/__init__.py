"""Tests of the shared web helpers: error pages, security headers, bounded ids in addresses."""
