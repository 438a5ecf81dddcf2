"""Dispensing, the top feature: a signed-off, labelled fill leaves the pharmacy (picked up or
shipped), its cost frozen; refills and the refill-too-soon rule; a pharmacist's reversal of a
dispensing recorded by mistake. It builds on labels, costs, compounding and orders."""
