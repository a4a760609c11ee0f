"""PDF summaries: a case summary for panels, chairs and partners, and an organisation's sharing register.

- services.py   asking for one (a queued PdfSummary, rendered after commit) and downloading it (the requester
                only, audited);
- jobs.py       the pdf worker's side: claim a row with a conditional UPDATE, render, store the file with its
                SHA-256, notify; and the sweeper that re-sends work a lost message or a dead worker left behind;
- content.py    what a summary says, read through the same selectors and access rules as the pages;
- render.py     HTML to PDF with WeasyPrint (templates/summaries/, coordination/static/coordination/pdf.css);
- fetcher.py    the only files WeasyPrint may load: the project's own static files;
- selectors.py  the summaries a page lists, and whether each is older than the latest change.
"""

# Printed on every file and stored with it. Bump it whenever templates/summaries/ or coordination/pdf.css change
# what a summary says or how it looks, so a file can be matched to the templates that made it. Kept here, not in
# render.py, so that asking for a summary does not load WeasyPrint into the web server.
TEMPLATE_VERSION = "1"
