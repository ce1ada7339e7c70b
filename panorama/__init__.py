"""Panorama: a self-hosted Customer 360 for B2B SaaS customer-success and sales teams."""
