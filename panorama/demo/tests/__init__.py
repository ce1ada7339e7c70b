"""Tests of the demo-data generator and loader."""
