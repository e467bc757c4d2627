"""The privacy centre: consents, data export, account deletion, login lockout — the buyer's side of privacy.

Cross-cutting by nature: it reads (and, for deletion, anonymises) what every app
holds about a person, so it imports the apps' models lazily inside functions.
"""
