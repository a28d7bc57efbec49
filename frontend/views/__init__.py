"""Thin HTTP for people: parse, call one service, render or redirect. A ServiceError becomes a form error or a
message, never a 500. Every write here also works without JavaScript; live.js only enhances these forms.

One module per concern; frontend/urls.py names each view by its module. `base` (the proposal a URL names,
the page a form goes back to) and `thread` (the comment thread as a proposal's page shows it) are shared.
`comments` and `flags` show the proposal's page again with a form's errors, so they import `proposals`,
never the reverse."""
