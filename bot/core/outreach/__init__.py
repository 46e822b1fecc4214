"""Outreach: residents subscribe (with consent) to the office's monthly legal-education themes,
which are broadcast to them through the outbox at a paced rate, and counted in the reports.

- :mod:`.themes`: a theme (month, title, short message, linked FAQ entries, send time).
- :mod:`.subscriptions`: the residents' use cases (subscribe, unsubscribe, 「了解更多」).
- :mod:`.broadcasts`: the office's use cases (preview, queue now, queue the due themes).
- :mod:`.pump`: delivering a broadcast's messages, paced, behind the residents' answers.
"""
