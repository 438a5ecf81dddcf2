"""Compounding: ingredients and lots, master formulation records, compounding records."""
