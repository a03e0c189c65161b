"""CSV cells that spreadsheets show as text."""

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); a leading
# apostrophe makes it show the text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """`value` as CSV text that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
