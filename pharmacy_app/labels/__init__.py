"""Labels: label stocks, print-ready prescription labels, printing records and dispensing."""
