"""Tests of the clients and models that SDK generators build from the specs."""
