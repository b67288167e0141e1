"""Licenses: finding them, their search text, custom fields, exports and maintenance reminders."""
