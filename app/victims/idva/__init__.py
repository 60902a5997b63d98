"""IDVA referrals: referred on, by, to which service, with consent; first contact and outcome; the 2-day alert."""
