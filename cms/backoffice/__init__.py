"""The officials' back office in the Wagtail admin: proposal moderation and answers, the responses awaited
and the consultations' dashboards. It reads proposals and votes, so it stands above them; nothing below
imports it."""
