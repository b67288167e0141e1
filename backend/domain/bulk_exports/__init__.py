"""Bulk exports (issue 17): a connection query run over every page in the background and written as
JSONL, one object per node, nested connection nodes on lines of their own with `__parentId`
(as Shopify's bulk operations do). query.py checks and rewrites the query; exports.py starts,
runs, cancels and expires exports and signs their download links."""
