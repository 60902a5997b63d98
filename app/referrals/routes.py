"""Referral pages arrive with the referrals issue."""
