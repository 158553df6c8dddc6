"""Stage 4, outputs: tables and their registry, files written all-or-none with a manifest,
summaries, charts, the workbook and the brief, and the audit of a written folder."""
