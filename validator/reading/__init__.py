"""Reading a package: the descriptor, the table schemas, the CSV files and the seeds.

Holds the loader (``package``), the model of the tables built from ``schemas/`` (``model``), the
readers of CSV and JSON that keep positions (``csvread``, ``jsonread``), the limits on input
size, and the domain lookups every other layer shares: EDTF dates, text normalisation, the
gazetteer, quote search and source coverage.

May import: ``validator.errors`` and ``validator.problems``, and modules of this folder. Nothing
here imports the checks, the change tooling, publishing, maintenance or the CLI.
"""
